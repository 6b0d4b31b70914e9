import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFilesAtomic } from '../src/adapters/fs/atomic.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('writeFilesAtomic', () => {
  it('writes every file of a batch under its name and leaves no temporary file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'osw-atomic-'));
    const files = Array.from({ length: 50 }, (_, i) => ({ name: `Receipt_${i}.xml`, content: `<R>${i}</R>` }));
    await writeFilesAtomic(dir, files);
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(files.map((f) => f.name).sort());
    expect(await readFile(path.join(dir, 'Receipt_7.xml'), 'utf8')).toBe('<R>7</R>');
  });

  it('replaces a link at a target name instead of writing through it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'osw-atomic-'));
    const outside = path.join(dir, 'outside.txt');
    await writeFile(outside, 'secret');
    await symlink(outside, path.join(dir, 'a.xml'));
    await writeFilesAtomic(dir, [{ name: 'a.xml', content: '<a/>' }]);
    expect(await readFile(outside, 'utf8')).toBe('secret');
    expect(await readFile(path.join(dir, 'a.xml'), 'utf8')).toBe('<a/>');
  });

  it('keeps the files it wrote and reports the first failure', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'osw-atomic-'));
    await expect(
      writeFilesAtomic(dir, [
        { name: 'ok.xml', content: '<ok/>' },
        { name: 'missing/sub.xml', content: '<x/>' },
      ]),
    ).rejects.toThrow(/ENOENT/);
    expect((await readdir(dir)).filter((n) => !n.startsWith('.'))).toEqual(['ok.xml']);
  });
});
