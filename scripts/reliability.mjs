#!/usr/bin/env node
// `npm run test:reliability`: the long form of the reliability suite (test/reliability), then one report:
// load held, faults survived, bad inputs tried, messages lost and duplicates delivered (both must be 0).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-reliability-'));
const report = path.join(dir, 'report.jsonl');
const run = spawnSync(path.join('node_modules', '.bin', 'vitest'), ['run', 'test/reliability', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, OSW_RELIABILITY_FULL: process.env.OSW_RELIABILITY_FULL ?? '1', OSW_RELIABILITY_REPORT: report },
});
const entries = existsSync(report) ? readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(dir, { recursive: true, force: true });
const sum = (k) => entries.reduce((n, e) => n + (e[k] ?? 0), 0);
console.log('\nreliability report');
for (const e of entries) console.log(`  ${e.test}: ${[e.load && `load ${e.load}`, e.faults && `${e.faults} faults survived`, e.badInputs && `${e.badInputs} bad inputs tried`].filter(Boolean).join(', ')}; lost ${e.lost}, duplicates ${e.duplicates}`);
console.log(`  total: ${sum('faults')} faults survived, ${sum('badInputs')} bad inputs tried, messages lost ${sum('lost')}, duplicates delivered ${sum('duplicates')}`);
const code = run.status ?? 1;
process.exit(code !== 0 ? code : sum('lost') + sum('duplicates') > 0 ? 1 : 0);
