/**
 * 自动重发: files that failed in transport (C18, C141) go back from FailBox to OutBox after an
 * interval, up to `attempts` times; then they stay in FailBox. Files refused for their content are
 * never re-sent automatically. The tries are kept in `FailBox/.osw-resend.json`, keyed by the
 * archived file name (which the next claim carries on as its original name).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileNameProblem } from '@osw/messages/exchange';
import { readFileNoFollow, writeFileAtomic } from './atomic.js';

export const RESENDABLE_CODES = ['C18', 'C141'];

interface Entry {
  day: string;
  code: string;
  tries: number;
  failedAt: number;
}

export class FailBoxResender {
  private state: Record<string, Entry> = {};
  private readonly file: string;

  constructor(
    private readonly failBox: string,
    private readonly outBox: string,
    private readonly opts: { attempts: number; intervalMs: number },
  ) {
    this.file = path.join(failBox, '.osw-resend.json');
  }

  async load(): Promise<void> {
    try {
      const state: unknown = JSON.parse((await readFileNoFollow(this.file)).toString('utf8'));
      this.state = state && typeof state === 'object' && !Array.isArray(state) ? (state as Record<string, Entry>) : {};
    } catch {
      this.state = {};
    }
    // the state names files to move: only a plain name in a dated folder of this FailBox, never a path
    for (const [name, e] of Object.entries(this.state))
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(e?.day)) || fileNameProblem(name) || name.startsWith('.')) delete this.state[name];
  }

  /** Records a failure; `original` is the name the file had in OutBox (a re-sent file's archived name). */
  async recordFailure(original: string, archived: string, day: string, code: string, now: Date): Promise<void> {
    const before = this.state[original];
    this.state[archived] = { day, code, tries: before ? before.tries + 1 : 0, failedAt: now.getTime() };
    if (before) delete this.state[original];
    await writeFileAtomic(this.file, JSON.stringify(this.state, null, 1));
  }

  /** Moves due files back to OutBox; returns their names. */
  async resendDue(now: Date): Promise<string[]> {
    const moved: string[] = [];
    for (const [name, e] of Object.entries(this.state)) {
      if (!RESENDABLE_CODES.includes(e.code) || e.tries >= this.opts.attempts || now.getTime() - e.failedAt < this.opts.intervalMs)
        continue;
      const from = path.join(this.failBox, e.day, name);
      try {
        await fs.rename(from, path.join(this.outBox, name));
        moved.push(name);
      } catch {
        delete this.state[name]; // gone: the user moved or deleted it
      }
    }
    if (moved.length || Object.keys(this.state).length) await writeFileAtomic(this.file, JSON.stringify(this.state, null, 1));
    return moved;
  }
}
