/** `npm run bench [-- --quick] [--only <section>,…]`: prints the figures and writes bench/results/<date>.json and latest.json. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, type Figure } from './lib.js';
import { parseFigures } from './parse.bench.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
/** sections to run (by the start of their name): `--only push,burst` */
const only = onlyAt > 0 ? (process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : [];
const started = Date.now();
const figures: Figure[] = [];
const sections: [string, () => Promise<Figure[]> | Figure[]][] = [
  ['parse', () => parseFigures(root, quick)],
  ['push', async () => (await import('./push.bench.js')).pushFigures(root, quick)],
  ['client send, HTTP', async () => (await import('./client.bench.js')).clientFigures(root, quick)],
  ['RabbitMQ', async () => (await import('./amqp.bench.js')).amqpFigures(root, quick)],
  ['round trip', async () => (await import('./roundtrip.bench.js')).roundTripFigures(root, quick)],
  ['burst', async () => (await import('./burst.bench.js')).burstFigures(root, quick)],
  ['memory', async () => (await import('./memory.bench.js')).memoryFigures(root, quick)],
];
for (const [name, run] of sections) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  const t = Date.now();
  figures.push(...(await run()));
  process.stderr.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(report(figures, root) + '\n');
const secs = Math.round((Date.now() - started) / 1000);
process.stdout.write(
  `\n${quick ? 'quick run (short rounds, smaller sizes and windows: see the notes)' : 'full run'} in ${secs} s; written: bench/results/latest.json\n`,
);
process.exit(0);
