/**
 * Message ids already written into an InBox, kept on disk so that a redelivery (after a crash
 * between writing and acknowledging, or a platform resend) is not written twice — even if the ERP
 * has already taken the first file away. One append-only file per China-time day; the last
 * `retentionDays` are loaded at start.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chinaDay } from '@osw/messages';

export class ReceivedJournal {
  private readonly ids = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly retentionDays: number,
  ) {}

  async load(now: Date): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const oldest = chinaDay(new Date(now.getTime() - this.retentionDays * 86_400_000)).replace(/-/g, '');
    for (const name of await fs.readdir(this.dir)) {
      const m = /^received-(\d{8})\.log$/.exec(name);
      if (!m) continue;
      if (m[1] < oldest) {
        await fs.rm(path.join(this.dir, name), { force: true });
        continue;
      }
      for (const line of (await fs.readFile(path.join(this.dir, name), 'utf8')).split('\n')) if (line) this.ids.add(line);
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
    const h = await fs.open(file, 'a');
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
