/**
 * ImpPath/<BizID>/{OutBox,SentBox,FailBox,InBox} on a real file system, plus a private work folder.
 *
 * Nothing inside follows a link: OutBox entries are looked at with `lstat` and moved by `rename`
 * (a link moves as the link), a claimed file is read only when it is a regular file (opened with
 * `O_NOFOLLOW`, checked with `fstat`), InBox files are created exclusively, and the work folder and
 * the SentBox/FailBox day folders must be real folders. The box folders themselves are the
 * operator's: they may be links placed on purpose.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, promises as fs, renameSync, type OpenDirOptions, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isPartialName, MessageRejected, splitName } from '@osw/messages';
import { printableName } from '../../core/file-names.js';
import { parseWorkName } from '../../core/work-name.js';
import type { BusinessFolders } from '../../core/ports.js';
import {
  fsyncDir,
  moveDurably,
  O_NOFOLLOW,
  O_NONBLOCK,
  readFdSync,
  realFolder,
  SMALL_FILE_BYTES,
  TEMP_NAME,
  writeFilesAtomic,
  writeTempFile,
} from './atomic.js';

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The client's private folder inside a business root: claimed files wait here while they are sent. */
export const WORK_FOLDER = '.osw-work';

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

export class FsBusinessFolders implements BusinessFolders {
  readonly paths: BusinessFolders['paths'];
  /** OutBox names whose bytes are not UTF-8, by the (lossy) name the runner knows them as */
  private readonly rawOutBoxNames = new Map<string, Buffer>();

  constructor(root: string) {
    this.paths = {
      root,
      outBox: path.join(root, 'OutBox'),
      sentBox: path.join(root, 'SentBox'),
      failBox: path.join(root, 'FailBox'),
      inBox: path.join(root, 'InBox'),
      work: path.join(root, WORK_FOLDER),
    };
  }

  async ensure(): Promise<void> {
    for (const p of Object.values(this.paths)) await fs.mkdir(p, { recursive: true });
    await realFolder(this.paths.work);
    // temp files of atomic writes that a crash interrupted: never complete, never read
    for (const dir of [this.paths.work, this.paths.inBox]) {
      for (const name of await fs.readdir(dir)) if (TEMP_NAME.test(name)) await fs.rm(path.join(dir, name), { force: true });
    }
  }

  /**
   * Every entry but folders and partial names: links, FIFOs and devices are listed too, so that they
   * are claimed and refused (C912) instead of waiting forever. A name whose bytes are not UTF-8 is
   * listed as it reads (with U+FFFD) and found again by its bytes, so it can be filed (C913).
   */
  async listOutBoxNames(): Promise<string[]> {
    // read entry by entry: a folder of 100,000 files is never held as 100,000 entries at once
    const dir = await fs.opendir(this.paths.outBox, { encoding: 'buffer', bufferSize: 256 } as unknown as OpenDirOptions);
    this.rawOutBoxNames.clear();
    const names: string[] = [];
    for await (const e of dir) {
      if (e.isDirectory()) continue;
      const raw = e.name as unknown as Buffer;
      const name = raw.toString('utf8');
      if (isPartialName(name)) continue;
      if (!Buffer.from(name, 'utf8').equals(raw)) {
        if (this.rawOutBoxNames.has(name)) continue; // two such names read alike: the next scan takes the other
        this.rawOutBoxNames.set(name, raw);
      }
      names.push(name);
    }
    return names;
  }

  private outBoxPath(name: string): string | Buffer {
    const raw = this.rawOutBoxNames.get(name);
    return raw ? Buffer.concat([Buffer.from(this.paths.outBox + path.sep), raw]) : path.join(this.paths.outBox, name);
  }

  /** size and mtime of the entry itself (a link is not followed); null for a folder or a name gone */
  async statOutBox(name: string) {
    try {
      const st = lstatSync(this.outBoxPath(name)); // a metadata read: synchronous (see atomic.ts)
      return st.isDirectory() ? null : { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      return null;
    }
  }

  /**
   * Moves several OutBox entries into the work folder side by side, then syncs the work folder and
   * OutBox once for all of them. Answers per entry whether it was claimed (false: gone or held by
   * another program); `error` is the first unexpected failure (the others are claimed all the same).
   */
  async claimMany(items: readonly { name: string; workName: string }[]): Promise<{ claimed: boolean[]; error?: unknown }> {
    let error: unknown;
    // renames only touch the two folders' entries: made one after the other, synchronously (see atomic.ts)
    const claimed = items.map(({ name, workName }) => {
      try {
        renameSync(this.outBoxPath(name), path.join(this.paths.work, workName));
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (!(code === 'ENOENT' || code === 'EBUSY' || code === 'EPERM' || code === 'EACCES')) error ??= err;
        return false;
      }
    });
    if (claimed.some(Boolean)) {
      await Promise.all([fsyncDir(this.paths.work), fsyncDir(this.paths.outBox)]);
    }
    return { claimed, error };
  }

  /** claimed entries, links and FIFOs included (they are refused when read) */
  async listWork(): Promise<string[]> {
    const entries = await fs.readdir(this.paths.work, { withFileTypes: true });
    return entries
      .filter((e) => !e.isDirectory() && !e.name.endsWith('.tmp'))
      .map((e) => e.name)
      .sort();
  }

  async unclaim(workName: string): Promise<void> {
    const parsed = parseWorkName(workName);
    if (!parsed) return;
    const { base, ext } = splitName(parsed.original);
    let target = parsed.original;
    for (let i = 1; await exists(path.join(this.paths.outBox, target)); i++) target = ext ? `${base} (${i}).${ext}` : `${base} (${i})`;
    await moveDurably(path.join(this.paths.work, workName), path.join(this.paths.outBox, target));
  }

  /**
   * The bytes of a claimed file, only when it is a regular file: a link, FIFO, device or socket is
   * refused with C912 and never opened through (`lstat` first, then `O_NOFOLLOW | O_NONBLOCK` and
   * `fstat` on what was opened, in case it was swapped in between).
   */
  async readWork(workName: string): Promise<Buffer> {
    const file = path.join(this.paths.work, workName);
    const refuse = (kind: string) => {
      const shown = printableName(parseWorkName(workName)?.original ?? workName);
      return new MessageRejected('C912', `不是普通文件，未读取: ${shown} is ${kind} (only regular files are sent)`);
    };
    const st = lstatSync(file);
    if (!st.isFile()) throw refuse(kindOf(st));
    if (st.size <= SMALL_FILE_BYTES) return this.readSmall(file, refuse);
    let h: FileHandle;
    try {
      h = await fs.open(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EMLINK') throw refuse('a symbolic link');
      throw err;
    }
    try {
      const opened = await h.stat();
      if (!opened.isFile()) throw refuse(kindOf(opened));
      return await h.readFile();
    } finally {
      await h.close();
    }
  }

  /** readWork's open, check and read of a small file, with synchronous calls (see atomic.ts) */
  private readSmall(file: string, refuse: (kind: string) => MessageRejected): Buffer {
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EMLINK') throw refuse('a symbolic link');
      throw err;
    }
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile()) throw refuse(kindOf(opened));
      return readFdSync(fd, opened.size);
    } finally {
      closeSync(fd);
    }
  }

  writeInBoxMany(files: readonly { name: string; content: string | Uint8Array }[]): Promise<void> {
    return writeFilesAtomic(this.paths.inBox, files);
  }

  /**
   * Writes bytes to synced temporary files in the work folder, side by side; answers their names,
   * to be filed by fileManyToSent. A crash leaves only temporary names, removed at the next start.
   */
  async writeWorkTemps(bodies: readonly Uint8Array[]): Promise<string[]> {
    const results = await Promise.allSettled(bodies.map((b) => writeTempFile(this.paths.work, b)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return results.map((r) => path.basename((r as PromiseFulfilledResult<string>).value));
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? fs.rm(r.value, { force: true }) : undefined)));
    throw failed.reason;
  }

  async removeWorkTemps(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((n) => fs.rm(path.join(this.paths.work, n), { force: true })));
  }

  /**
   * Files several claimed files into SentBox/<day>/<archivedName>, then syncs each day folder and the
   * work folder once. A file with `temp` (a temporary file of writeWorkTemps holding its signed bytes)
   * is filed with those bytes: the temporary file replaces the claimed file in the work folder and is
   * renamed into SentBox — at every moment the file is in exactly one place (a crash in between
   * leaves it claimed and signed; it is signed again and sent again under the same message id).
   */
  async fileManyToSent(items: readonly { workName: string; day: string; archivedName: string; temp?: string }[]): Promise<void> {
    await this.fileMany(this.paths.sentBox, items);
  }

  /** Moves several claimed files into FailBox/<day>/<archivedName>; one sync per folder. */
  async fileManyToFail(items: readonly { workName: string; day: string; archivedName: string }[]): Promise<void> {
    await this.fileMany(this.paths.failBox, items);
  }

  private async fileMany(box: string, items: readonly { workName: string; day: string; archivedName: string; temp?: string }[]) {
    if (!items.length) return;
    const days = [...new Set(items.map((i) => i.day))];
    const temps = items.flatMap((i) => (i.temp ? [i.temp] : []));
    try {
      for (const day of days) await realFolder(path.join(box, day));
    } catch (err) {
      await this.removeWorkTemps(temps); // nothing filed: the claimed files stay, to be tried again
      throw err;
    }
    // renames, one after the other, synchronously (see atomic.ts)
    let failed: unknown;
    for (const { workName, day, archivedName, temp } of items) {
      const from = path.join(this.paths.work, workName);
      try {
        if (temp) {
          try {
            renameSync(path.join(this.paths.work, temp), from);
          } catch (err) {
            await fs.rm(path.join(this.paths.work, temp), { force: true });
            throw err;
          }
        }
        renameSync(from, path.join(box, day, archivedName));
      } catch (err) {
        failed ??= err;
      }
    }
    await Promise.all([...days.map((day) => fsyncDir(path.join(box, day))), fsyncDir(this.paths.work)]);
    if (failed) throw failed;
  }
}
