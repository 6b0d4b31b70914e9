/**
 * SentBox cleanup: removes `SentBox/<yyyy-MM-dd>/` folders older than the retention. Never touches
 * InBox or FailBox, nor anything in SentBox that is not a dated folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chinaDay } from '@osw/messages';

export async function cleanSentBox(sentBox: string, retentionDays: number, now: Date): Promise<string[]> {
  if (retentionDays <= 0) return [];
  const cutoff = chinaDay(new Date(now.getTime() - retentionDays * 86_400_000));
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(sentBox, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !/^\d{4}-\d{2}-\d{2}$/.test(e.name) || e.name >= cutoff) continue;
    await fs.rm(path.join(sentBox, e.name), { recursive: true, force: true });
    removed.push(e.name);
  }
  return removed;
}

/** Milliseconds from now until the next `HH:mm` in China time. */
export function msUntilChinaTime(hhmm: string, now: Date): number {
  const [h, m] = hhmm.split(':').map(Number);
  const china = new Date(now.getTime() + 8 * 3_600_000);
  const target = Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate(), h, m) - 8 * 3_600_000;
  return target > now.getTime() ? target - now.getTime() : target + 86_400_000 - now.getTime();
}
