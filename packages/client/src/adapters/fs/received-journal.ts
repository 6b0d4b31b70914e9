/**
 * Message ids already written into an InBox, kept on disk so that a redelivery (after a crash
 * between writing and acknowledging, a lost acknowledgement, a broker redelivery) is not written
 * twice — even if the ERP has already taken the first file away. A resend a user asked for (重发)
 * is kept as `<id>#<attempt>` beside its id: each attempt is written once (receiver.ts). One append-only file per China-time day; the last
 * `retentionDays` are loaded at start. The folder and its files are the client's own: a link in
 * place of its folder is refused, a link in place of a day file is removed (the link, not what it
 * points to) and never read or written through.
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { chinaDay } from '@osw/messages';
import { O_NOFOLLOW, readFileNoFollow, realFolder } from './atomic.js';

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW;

/** Opens a day file for appending; a link in its place is removed and a real file started. */
async function openForAppend(file: string): Promise<FileHandle> {
  try {
    return await fs.open(file, APPEND);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'EMLINK') throw err;
    await fs.rm(file, { force: true });
    return fs.open(file, APPEND);
  }
}

export class ReceivedJournal {
  private readonly ids = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly retentionDays: number,
  ) {}

  async load(now: Date): Promise<void> {
    await realFolder(path.dirname(this.dir));
    await realFolder(this.dir);
    const oldest = chinaDay(new Date(now.getTime() - this.retentionDays * 86_400_000)).replace(/-/g, '');
    for (const name of await fs.readdir(this.dir)) {
      const m = /^received-(\d{8})\.log$/.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      if (m[1] < oldest || !(await fs.lstat(file)).isFile()) {
        await fs.rm(file, { force: true });
        continue;
      }
      for (const line of (await readFileNoFollow(file)).toString('utf8').split('\n')) if (line) this.ids.add(line);
    }
  }

  has(messageId: string): boolean {
    return this.ids.has(messageId);
  }

  /** Records ids durably (fsync) before the caller acknowledges them. */
  async add(messageIds: readonly string[], now: Date): Promise<void> {
    const fresh = messageIds.filter((id) => !this.ids.has(id));
    if (!fresh.length) return;
    const file = path.join(this.dir, `received-${chinaDay(now).replace(/-/g, '')}.log`);
    const h = await openForAppend(file);
    try {
      await h.appendFile(fresh.map((id) => `${id}\n`).join(''));
      await h.sync();
    } finally {
      await h.close();
    }
    for (const id of fresh) this.ids.add(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
