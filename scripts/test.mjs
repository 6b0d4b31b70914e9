#!/usr/bin/env node
// `npm test`: type-check, run every test with vitest, then print one closing line
// "Tests: N passed, N failed[, N skipped]" that CI and people can read alike.
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
const out = path.join(dir, 'results.json');
const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const run = spawnSync(bin('vitest'), args, { stdio: 'inherit' });
let code = run.status ?? 1;
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  // a test file that fails to load counts as one failure of its own
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  const failed = r.numFailedTests + brokenFiles || (code === 0 ? 0 : 1);
  console.log(`Tests: ${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (r.numTotalTests === 0) code = code || 1;
} catch {
  console.log(`Tests: 0 passed, 1 failed`);
  code = code || 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
