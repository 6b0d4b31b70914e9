/** Measuring helpers: every figure is taken next to a baseline measured in the same run. */
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  /** value / baseline in the direction that says "how many times the baseline's cost" */
  ratio: number | null;
  note?: string;
}

/** Runs fn repeatedly for about `ms` after a warm-up; returns operations per second (median of `rounds` rounds). */
export function opsPerSecond(fn: () => void, ms: number, rounds = 5): number {
  const warm = Date.now() + Math.min(200, ms / rounds);
  while (Date.now() < warm) fn();
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = Date.now() + ms / rounds;
    while (Date.now() < end) {
      fn();
      n++;
    }
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    results.push(n / secs);
  }
  return results.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

export function machine() {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function report(figures: Figure[], root: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const out = { date: new Date().toISOString(), machine: machine(), figures };
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${date}.json`), JSON.stringify(out, null, 2) + '\n');
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(out, null, 2) + '\n');
  const rows = figures.map((f) => [
    f.name,
    fmt(f.value),
    f.unit,
    f.baseline === null ? '—' : fmt(f.baseline),
    f.ratio === null ? '—' : `${f.ratio.toFixed(2)}×`,
  ]);
  const head = ['figure', 'value', 'unit', 'baseline', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  // what each figure measured (sizes, windows, settings), once per distinct note
  const notes = new Map<string, string>();
  for (const f of figures) if (f.note && !notes.has(f.note)) notes.set(f.note, f.name);
  const noteLines = [...notes].map(([note, name]) => `- ${name.replace(/, p\d+$|: messages\/s$/, '')}: ${note}`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', 'notes:', ...noteLines].join('\n');
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** What a running client says it has filed: files written into its InBoxes (received, and its own `Successed_`/`Failed_`), files sent. */
interface FilingClient {
  snapshot(): { received: { files: number }; businesses: { sentToday: number; failedToday: number }[] };
}

/**
 * Waits until the clients' own counters reach `expected` (`count` picks the counter), then until
 * `listed()` — one listing of the real folders — agrees. Asking the clients costs next to nothing;
 * listing folders of thousands of files every few milliseconds would cost the process under
 * measurement a share of its CPU. Returns the last listed count (short of `expected` at the deadline).
 */
export async function waitFiled(
  clients: readonly FilingClient[],
  count: (s: ReturnType<FilingClient['snapshot']>) => number,
  expected: number,
  listed: () => number,
  deadline: number,
): Promise<number> {
  const told = () => clients.reduce((n, c) => n + count(c.snapshot()), 0);
  while (told() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  let got = listed();
  while (got < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    got = listed();
  }
  return got;
}

/** Files a client wrote into its InBoxes: receipts received and its own `Successed_`/`Failed_`. */
export const inBoxFiles = (s: ReturnType<FilingClient['snapshot']>): number =>
  s.received.files + s.businesses.reduce((n, b) => n + b.sentToday + b.failedToday, 0);
/** Files a client filed into SentBox. */
export const sentFiles = (s: ReturnType<FilingClient['snapshot']>): number => s.businesses.reduce((n, b) => n + b.sentToday, 0);
