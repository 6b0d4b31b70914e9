/**
 * One machine runs import clients of one environment (test or prod) only, like the official client.
 * Each running client leaves a small file in a machine-wide folder; a client of the other
 * environment is refused while a live one is there.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OswError } from '@osw/messages';

export function defaultLockDir(): string {
  return process.env.OSW_CLIENT_LOCK_DIR ?? path.join(os.tmpdir(), 'osw-client-environments');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireEnvironmentLock(
  clientId: string,
  environment: 'test' | 'prod',
  dir = defaultLockDir(),
): Promise<() => Promise<void>> {
  await fs.mkdir(dir, { recursive: true });
  for (const name of await fs.readdir(dir)) {
    const m = /^(test|prod)-(DXPE\w+)-(\d+)\.pid$/.exec(name);
    if (!m) continue;
    const pid = Number(m[3]);
    if (!alive(pid)) {
      await fs.rm(path.join(dir, name), { force: true });
      continue;
    }
    if (m[1] !== environment)
      throw new OswError(
        'OSW_CLIENT_ENVIRONMENT_CONFLICT',
        `本机已运行${m[1] === 'prod' ? '生产' : '测试'}环境客户端 ${m[2]} (pid ${pid})，同一台电脑不能同时运行测试和生产环境客户端 (a ${m[1]} client is running on this machine; one machine runs one environment only)`,
      );
  }
  const mine = path.join(dir, `${environment}-${clientId}-${process.pid}.pid`);
  await fs.writeFile(mine, String(process.pid));
  return () => fs.rm(mine, { force: true });
}
