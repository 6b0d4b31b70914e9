#!/usr/bin/env node
// `npm test`: type-check, run every test with vitest in two phases, then print one closing line
// "Tests: N passed, N failed[, N skipped]" that CI and people can read alike, counting both phases.
//   1. the parallel run: everything but the exclusive tests;
//   2. the exclusive phase, alone and after it: tests that disturb what the others share (a broker
//      restart), files under test/exclusive/ or named *.exclusive.test.ts (see vitest.config.ts).
//      The broker restart is on when OSW_TEST_AMQP_URL is set, unless OSW_TEST_BROKER_RESTART=0.
// A failure in either phase fails `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = (name) => path.join(process.cwd(), 'node_modules', '.bin', name);
const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('type check failed');
  console.log('Tests: 0 passed, 1 failed');
  process.exit(tsc.status ?? 1);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-vitest-'));
const filters = process.argv.slice(2);

/** one vitest run; returns its exit code and counts (a run whose results cannot be read counts as one failure) */
function phase(name, env) {
  const out = path.join(dir, `${name}.json`);
  const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, '--passWithNoTests', ...filters];
  const run = spawnSync(bin('vitest'), args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const code = run.status ?? 1;
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    // a test file that fails to load counts as one failure of its own
    const brokenFiles = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    const failed = r.numFailedTests + brokenFiles || (code === 0 ? 0 : 1);
    return { code, passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests, total: r.numTotalTests };
  } catch {
    return { code: code || 1, passed: 0, failed: 1, skipped: 0, total: 0 };
  }
}

let results;
try {
  const parallel = phase('parallel', {});
  console.log('\nexclusive phase: tests that run alone (test/exclusive, *.exclusive.test.ts)\n');
  const restart = process.env.OSW_TEST_BROKER_RESTART ?? (process.env.OSW_TEST_AMQP_URL ? '1' : '0');
  const exclusive = phase('exclusive', { OSW_TEST_EXCLUSIVE: '1', OSW_TEST_BROKER_RESTART: restart });
  results = [parallel, exclusive];
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const skipped = sum('skipped');
console.log(`Tests: ${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
let code = results.find((r) => r.code !== 0)?.code ?? 0;
if (sum('failed') > 0) code = code || 1;
if (sum('total') === 0) code = code || 1;
process.exit(code);
