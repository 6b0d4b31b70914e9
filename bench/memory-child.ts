/**
 * Runs in a child process of the memory bench so the RSS it reports is this process's own:
 *   client <config.json> <files>   an import client whose OutBox holds <files> files it cannot send yet
 *   platform <platform.db> <events>  a platform on a seeded store, matching <events> receipt events
 * Prints one JSON line: { baselineMiB, rssMiB, peakMiB, detail }. The baseline is this same process
 * with every module loaded, before the client or platform starts.
 */
import { readFileSync } from 'node:fs';

const MiB = 2 ** 20;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const rss = () => {
  gc();
  return process.memoryUsage().rss / MiB;
};

const [mode, where, countArg] = process.argv.slice(2);
const count = Number(countArg);

if (mode === 'client') {
  const { startClient } = await import('@osw/client');
  const { silent } = await import('../test/support/platform-world.js');
  const cfg = JSON.parse(readFileSync(where, 'utf8'));
  const baselineMiB = rss();
  const client = await startClient(cfg, { logger: silent, lockDir: `${cfg.impPath}/../locks` });
  // wait until the client has taken in every file (backlog + queued + in flight), or it stops changing
  const seen = () => client.snapshot().businesses.reduce((n, b) => n + b.outBoxBacklog + b.queued + b.inFlight, 0);
  let last = -1;
  let sameSince = Date.now();
  const end = Date.now() + 600_000;
  for (;;) {
    const s = seen();
    if (s !== last) {
      last = s;
      sameSince = Date.now();
    }
    if ((s >= count && Date.now() - sameSince > 1000) || Date.now() - sameSince > 5000 || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const rssMiB = rss();
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  const b = client.snapshot().businesses.find((x) => x.type === 'declaration');
  process.stdout.write(
    JSON.stringify({
      baselineMiB,
      rssMiB,
      peakMiB,
      detail: { backlog: b?.outBoxBacklog, queued: b?.queued, inFlight: b?.inFlight, sent: b?.sentToday },
    }) + '\n',
  );
  await client.stop(0);
  process.exit(0);
} else if (mode === 'platform') {
  const { startPlatform } = await import('@osw/platform');
  const { silent } = await import('../test/support/platform-world.js');
  const { raise } = await import('./push.bench.js');
  const baselineMiB = rss();
  const platform = await startPlatform({ dbFile: where, port: 0, sandboxPaceMs: 3_600_000 }, silent);
  let pushes = 0;
  for (let i = 0; i < count; i++) pushes += await raise(platform.deps, i, 'L');
  const rssMiB = rss();
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ baselineMiB, rssMiB, peakMiB, detail: { events: count, pushes } }) + '\n');
  await platform.close();
  process.exit(0);
} else {
  process.stderr.write('usage: memory-child.ts client <config.json> <files> | platform <platform.db> <events>\n');
  process.exit(2);
}
