/**
 * 自动重发 reads its state from FailBox, a folder others may write into: the state only ever moves a
 * plain file name out of a dated folder of that FailBox, and a link in place of the state file is
 * not read.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { FailBoxResender } from '../src/adapters/fs/failbox-resend.js';

const temps: (() => void)[] = [];
afterEach(() => temps.splice(0).forEach((c) => c()));

function folders() {
  const t = tempDir('osw-resend-');
  temps.push(t.cleanup);
  const dirs = { failBox: path.join(t.dir, 'FailBox'), outBox: path.join(t.dir, 'OutBox'), outside: path.join(t.dir, 'outside') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return dirs;
}

const due = { code: 'C18', tries: 0, failedAt: 0 };

test('a state naming a path, or a day that is not a dated folder, moves nothing out of its place', async () => {
  const d = folders();
  writeFileSync(path.join(d.outside, 'secret.xml'), '<secret/>');
  const traversal = path.relative(d.failBox, d.outside);
  writeFileSync(
    path.join(d.failBox, '.osw-resend.json'),
    JSON.stringify({ 'secret.xml': { ...due, day: traversal }, [`../outside/secret.xml`]: { ...due, day: '2026-01-01' } }),
  );
  const r = new FailBoxResender(d.failBox, d.outBox, { attempts: 3, intervalMs: 0 });
  await r.load();
  expect(await r.resendDue(new Date())).toEqual([]);
  expect(existsSync(path.join(d.outside, 'secret.xml'))).toBe(true);
  expect(existsSync(path.join(d.outBox, 'secret.xml'))).toBe(false);
});

test.skipIf(process.platform === 'win32')('a link in place of the state file is not read', async () => {
  const d = folders();
  mkdirSync(path.join(d.failBox, '2026-01-01'));
  writeFileSync(path.join(d.failBox, '2026-01-01', 'a_1.xml'), '<a/>');
  writeFileSync(path.join(d.outside, 'state.json'), JSON.stringify({ 'a_1.xml': { ...due, day: '2026-01-01' } }));
  symlinkSync(path.join(d.outside, 'state.json'), path.join(d.failBox, '.osw-resend.json'));
  const r = new FailBoxResender(d.failBox, d.outBox, { attempts: 3, intervalMs: 0 });
  await r.load();
  expect(await r.resendDue(new Date())).toEqual([]);
  expect(existsSync(path.join(d.failBox, '2026-01-01', 'a_1.xml'))).toBe(true);
});
