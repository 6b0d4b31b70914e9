/** `npm run bench [-- --quick]`: prints the figures and writes bench/results/<date>.json and latest.json. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, type Figure } from './lib.js';
import { parseFigures } from './parse.bench.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const figures: Figure[] = [...parseFigures(root, quick)];
figures.push(...(await (await import('./push.bench.js')).pushFigures(root, quick)));
figures.push(...(await (await import('./client.bench.js')).clientFigures(root, quick)));
process.stdout.write(report(figures, root) + '\n');
process.stdout.write(`\nwritten: bench/results/latest.json${quick ? ' (quick run)' : ''}\n`);
