/** Secret files (keys, tokens, token hashes) must be their owner's only. */
import { promises as fs } from 'node:fs';
import { OswError, type OswCode } from '@osw/messages';

/**
 * Refuses a secret file (a TLS key, a token file, a config with token hashes, a card file) that the
 * group or others may read or write. POSIX modes only; on Windows the folder's ACL protects it.
 */
export async function checkPrivateFileMode(file: string, what: string, code: OswCode = 'OSW_SIGNER_FILE_EXPOSED'): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await fs.stat(file).catch(() => null);
  if (!st || (st.mode & 0o077) === 0) return;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  throw new OswError(
    code,
    `文件权限过宽 ${file} (mode ${mode}): ${what} must be readable by its owner only; run: chmod 600 ${JSON.stringify(file)}`,
  );
}
