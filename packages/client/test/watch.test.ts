/** The OutBox watch: a file dropped into the folder wakes the runner; a missing folder is no error. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { outBoxWatch } from '../src/adapters/fs/watch.js';

test('a dropped file is reported; after close nothing is', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-watch-'));
  try {
    let changes = 0;
    const close = await outBoxWatch(dir)(() => changes++);
    writeFileSync(path.join(dir, 'declaration.xml'), '<DecMessage/>');
    const end = Date.now() + 10_000;
    while (changes === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(changes).toBeGreaterThan(0);
    await close();
    const after = changes;
    writeFileSync(path.join(dir, 'second.xml'), '<DecMessage/>');
    await new Promise((r) => setTimeout(r, 200));
    expect(changes).toBe(after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the event names the file, so the runner looks at that file without listing the folder', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-watch-'));
  try {
    const names = new Set<string | undefined>();
    const close = await outBoxWatch(dir)((name) => names.add(name));
    writeFileSync(path.join(dir, 'declaration.xml'), '<DecMessage/>');
    const end = Date.now() + 10_000;
    while (!names.has('declaration.xml') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await close();
    expect(names.has('declaration.xml')).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder that does not exist: no watch, no error (the periodic rescan carries on)', async () => {
  const close = await outBoxWatch(path.join(os.tmpdir(), 'osw-watch-missing', 'OutBox'))(() => undefined);
  await close();
});
