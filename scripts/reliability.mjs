#!/usr/bin/env node
// `npm run test:reliability`: the long form of the reliability suite (test/reliability), then the
// exclusive faults alone (test/exclusive: the broker restart, on when OSW_TEST_AMQP_URL is set unless
// OSW_TEST_BROKER_RESTART=0), then one report: load held, faults survived, bad inputs tried,
// messages lost and duplicates delivered (both must be 0).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-reliability-'));
const report = path.join(dir, 'report.jsonl');
const vitest = path.join('node_modules', '.bin', 'vitest');
const env = { ...process.env, OSW_RELIABILITY_FULL: process.env.OSW_RELIABILITY_FULL ?? '1', OSW_RELIABILITY_REPORT: report };
const run = spawnSync(vitest, ['run', 'test/reliability', ...process.argv.slice(2)], { stdio: 'inherit', env });
console.log('\nexclusive phase: faults that disturb the shared broker, run alone\n');
const restart = process.env.OSW_TEST_BROKER_RESTART ?? (process.env.OSW_TEST_AMQP_URL ? '1' : '0');
const exclusive = spawnSync(vitest, ['run', '--passWithNoTests', 'test/exclusive', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...env, OSW_TEST_EXCLUSIVE: '1', OSW_TEST_BROKER_RESTART: restart },
});
const entries = existsSync(report)
  ? readFileSync(report, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(dir, { recursive: true, force: true });
const sum = (k) => entries.reduce((n, e) => n + (e[k] ?? 0), 0);
console.log('\nreliability report');
for (const e of entries)
  console.log(
    `  ${e.test}: ${[e.load && `load ${e.load}`, e.faults && `${e.faults} faults survived`, e.badInputs && `${e.badInputs} bad inputs tried`].filter(Boolean).join(', ')}; lost ${e.lost}, duplicates ${e.duplicates}`,
  );
console.log(
  `  total: ${sum('faults')} faults survived, ${sum('badInputs')} bad inputs tried, messages lost ${sum('lost')}, duplicates delivered ${sum('duplicates')}`,
);
if (!process.env.OSW_TEST_AMQP_URL) console.log('  (OSW_TEST_AMQP_URL not set: the RabbitMQ faults were skipped)');
if (process.env.OSW_TEST_AMQP_URL && restart !== '1') console.log('  (OSW_TEST_BROKER_RESTART=0: the RabbitMQ restart was skipped)');
if (!process.env.OSW_TEST_PG_URL) console.log('  (OSW_TEST_PG_URL not set: the platform crash over PostgreSQL was skipped)');
const code = [run.status ?? 1, exclusive.status ?? 1].find((c) => c !== 0) ?? 0;
process.exit(code !== 0 ? code : sum('lost') + sum('duplicates') > 0 ? 1 : 0);
