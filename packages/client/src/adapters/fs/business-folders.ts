/** ImpPath/<BizID>/{OutBox,SentBox,FailBox,InBox} on a real file system, plus a private work folder. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isPartialName, splitName } from '@osw/messages';
import { parseWorkName } from '../../core/work-name.js';
import type { BusinessFolders } from '../../core/ports.js';
import { moveDurably, writeFileAtomic } from './atomic.js';

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The client's private folder inside a business root: claimed files wait here while they are sent. */
export const WORK_FOLDER = '.osw-work';

export class FsBusinessFolders implements BusinessFolders {
  readonly paths: BusinessFolders['paths'];

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
    // temp files of atomic writes that a crash interrupted (`.<name>.<pid>.tmp`): never complete, never read
    for (const dir of [this.paths.work, this.paths.inBox]) {
      for (const name of await fs.readdir(dir)) if (/^\..+\.\d+\.tmp$/.test(name)) await fs.rm(path.join(dir, name), { force: true });
    }
  }

  async listOutBoxNames(): Promise<string[]> {
    const entries = await fs.readdir(this.paths.outBox, { withFileTypes: true });
    return entries.filter((e) => !e.isDirectory() && !isPartialName(e.name)).map((e) => e.name);
  }

  async listOutBox() {
    const entries = await fs.readdir(this.paths.outBox, { withFileTypes: true });
    const out: { name: string; size: number; mtimeMs: number }[] = [];
    for (const e of entries) {
      if (!e.isFile() || isPartialName(e.name)) continue;
      const st = await this.statOutBox(e.name);
      if (st) out.push({ name: e.name, ...st });
    }
    return out;
  }

  async statOutBox(name: string) {
    try {
      const st = await fs.stat(path.join(this.paths.outBox, name));
      return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
    } catch {
      return null;
    }
  }

  async claim(name: string, workName: string): Promise<boolean> {
    try {
      await moveDurably(path.join(this.paths.outBox, name), path.join(this.paths.work, workName));
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EBUSY' || code === 'EPERM' || code === 'EACCES') return false;
      throw err;
    }
  }

  async listWork(): Promise<string[]> {
    const entries = await fs.readdir(this.paths.work, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
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

  readWork(workName: string): Promise<Buffer> {
    return fs.readFile(path.join(this.paths.work, workName));
  }

  async replaceWork(workName: string, newWorkName: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(path.join(this.paths.work, newWorkName), bytes);
    await fs.rm(path.join(this.paths.work, workName), { force: true });
  }

  writeInBox(name: string, content: string | Uint8Array): Promise<void> {
    return writeFileAtomic(path.join(this.paths.inBox, name), content);
  }

  async moveWorkToSent(workName: string, day: string, archivedName: string): Promise<string> {
    const to = path.join(this.paths.sentBox, day, archivedName);
    await moveDurably(path.join(this.paths.work, workName), to);
    return to;
  }

  async moveWorkToFail(workName: string, day: string, archivedName: string): Promise<string> {
    const to = path.join(this.paths.failBox, day, archivedName);
    await moveDurably(path.join(this.paths.work, workName), to);
    return to;
  }
}
