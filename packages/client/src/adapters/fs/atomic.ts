/**
 * Crash-safe file writes (write a temp file, fsync it, rename into place, fsync the folder) that
 * follow no link: a temp file is created exclusively, so a link waiting at its name is never written
 * through, and a rename replaces a link at the target, never what it points to.
 *
 * The calls that only touch the page cache or an existing entry (write, close and read of a file up
 * to `SMALL_FILE_BYTES`, rename) are made synchronously: each takes microseconds on a local disk,
 * where a call through libuv's thread pool costs ten times that in handing over and waking up.
 * Creating a file and fsync wait on the disk's journal: they run on the thread pool, side by side.
 */
import {
  closeSync,
  constants,
  fsync as fsyncCallback,
  open as openCallback,
  openSync,
  promises as fs,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OswError } from '@osw/messages';

/** Files up to this size are written and read with synchronous calls; larger ones through the thread pool. */
export const SMALL_FILE_BYTES = 1024 * 1024;

/** fsync of an open descriptor, on the thread pool */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsyncCallback(fd, (err) => (err ? reject(err) : resolve())));
}

/** `O_NOFOLLOW` (0 where the system has none: Windows, whose links need rights to create) */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** `O_NONBLOCK`: opening a FIFO does not wait for a writer */
export const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Makes the entries of a folder (names created, renamed or removed in it) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

let tmpSerial = 0;

/** Temporary names of atomic writes (`.osw.<pid>-<n>.tmp`; older versions wrote `.<name>.<pid>.tmp`): never complete, never read. */
export const TEMP_NAME = /^\..+\.\d+(-\d+)?\.tmp$/;

/**
 * Creates a new file exclusively (with `mode` when given): whatever is already at that name (a
 * leftover, a link) is removed, never opened.
 */
async function createExclusive(file: string, mode?: number): Promise<FileHandle> {
  try {
    return await fs.open(file, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await fs.rm(file, { force: true });
    return fs.open(file, 'wx', mode);
  }
}

/**
 * createExclusive, answering a descriptor. On the thread pool: creating a file waits for the
 * file system's journal, which the fsyncs of the files written beside it keep committing.
 */
async function openExclusive(file: string, mode?: number): Promise<number> {
  try {
    return await openFd(file, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    rmSync(file, { force: true });
    return openFd(file, 'wx', mode);
  }
}

function openFd(file: string, flags: string, mode?: number): Promise<number> {
  return new Promise((resolve, reject) => openCallback(file, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));
}

/**
 * Reads a whole file from an open descriptor whose `fstat` size is `size`, with synchronous calls
 * (a file up to SMALL_FILE_BYTES); a file that grew meanwhile is read to its end all the same.
 */
export function readFdSync(fd: number, size: number): Buffer {
  let buf = Buffer.allocUnsafe(size + 1);
  let at = 0;
  for (;;) {
    if (at === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    const n = readSync(fd, buf, at, buf.length - at, null);
    if (n === 0) return buf.subarray(0, at);
    at += n;
  }
}

/**
 * With `mode` (e.g. 0o600 for files holding secrets) the file is created with that mode — a new
 * file each time, so an older file's wider mode is never kept and no moment exists when the
 * content is readable by others.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
  await writeFileDurable(file, content, opts);
  await fsyncDir(path.dirname(file));
}

/** Writes one file as writeFileAtomic does, without the folder's fsync (the caller syncs the folder once). */
async function writeFileDurable(file: string, content: string | Uint8Array, opts: { mode?: number }): Promise<void> {
  const tmp = await writeTempFile(path.dirname(file), content, opts);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes several files into one folder, each crash-safe as with writeFileAtomic, side by side, and
 * syncs the folder once: when it resolves every file is durable under its name. On a failure the
 * files already renamed stay (each is complete); the error is the first one.
 */
export async function writeFilesAtomic(dir: string, files: readonly { name: string; content: string | Uint8Array }[]): Promise<void> {
  if (!files.length) return;
  const results = await Promise.allSettled(files.map((f) => writeFileDurable(path.join(dir, f.name), f.content, {})));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  await fsyncDir(dir);
  if (failed) throw failed.reason;
}

/**
 * Writes bytes to a new temporary file in `dir` and syncs it; answers its path. The caller renames
 * it into place and syncs the folders (several files at once); a crash leaves only a temporary
 * name, which is never read and is removed at the next start.
 */
export async function writeTempFile(dir: string, content: string | Uint8Array, opts: { mode?: number } = {}): Promise<string> {
  // a short name of its own: any target name fits, and two writes at once never share it
  tmpSerial = (tmpSerial + 1) % 1_000_000;
  const tmp = path.join(dir, `.osw.${process.pid}-${tmpSerial}.tmp`);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (bytes.byteLength <= SMALL_FILE_BYTES) {
    const fd = await openExclusive(tmp, opts.mode);
    try {
      try {
        for (let at = 0; at < bytes.byteLength;) at += writeSync(fd, bytes, at, bytes.byteLength - at);
        await fsyncFd(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return tmp;
  }
  const h = await createExclusive(tmp, opts.mode);
  try {
    try {
      await h.writeFile(content);
      await h.sync();
    } finally {
      await h.close();
    }
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return tmp;
}

/**
 * Makes sure `dir` is a real folder the client may move files into, creating it when missing; a link
 * (or a file) in its place is refused with OSW_CLIENT_FOLDER_LINK, never followed.
 */
export async function realFolder(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // a dangling link: lstat below says so
  }
  const st = await fs.lstat(dir);
  if (st.isSymbolicLink() || !st.isDirectory())
    throw new OswError(
      'OSW_CLIENT_FOLDER_LINK',
      `${dir} is ${st.isSymbolicLink() ? 'a link' : 'not a folder'}: the client follows no link there`,
    );
}

/** Renames, creating the target folder; durable once it resolves. `from` may be raw bytes (a name that is not UTF-8). */
export async function moveDurably(from: string | Buffer, to: string, fromDir = path.dirname(String(from))): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rename(from, to);
  await fsyncDir(path.dirname(to));
  if (fromDir !== path.dirname(to)) await fsyncDir(fromDir);
}

/** Reads a whole file only if it is a regular file: a link at `file` is refused by the open itself, a FIFO does not block. */
export async function readFileNoFollow(file: string): Promise<Buffer> {
  const h = await fs.open(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    if (!(await h.stat()).isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'EFTYPE' });
    return await h.readFile();
  } finally {
    await h.close();
  }
}
