/** Crash-safe file writes: write a temp file, fsync it, rename into place, fsync the folder. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * With `mode` (e.g. 0o600 for files holding secrets) the file is created with that mode — a new
 * file each time, so an older file's wider mode is never kept and no moment exists when the
 * content is readable by others.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  if (opts.mode !== undefined) await fs.rm(tmp, { force: true }); // a leftover from a crash keeps its own mode
  const h = opts.mode === undefined ? await fs.open(tmp, 'w') : await fs.open(tmp, 'wx', opts.mode);
  try {
    await h.writeFile(content);
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
  await fsyncDir(dir);
}

/** Renames, creating the target folder; durable once it resolves. */
export async function moveDurably(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rename(from, to);
  await fsyncDir(path.dirname(to));
  if (path.dirname(from) !== path.dirname(to)) await fsyncDir(path.dirname(from));
}
