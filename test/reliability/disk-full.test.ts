/**
 * The disk of the business folders fills up (a 2 MiB tmpfs) while files are sent and receipts come
 * in; once space is freed the client finishes by itself: nothing lost, nothing doubled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClient } from '@osw/client';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, type World } from '../support/platform-world.js';
import { record } from './report.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));

describe('reliability: a full disk', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  let mnt: string;
  beforeAll(async () => {
    t = tempDir('osw-rel-disk-');
    w = await platformWorld(t.dir, { paceMs: 0 });
    mnt = path.join(t.dir, 'small-disk');
    mkdirSync(mnt);
    // root is needed to mount; CI and the development machines run as root
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  });
  afterAll(async () => {
    await w?.stop();
    if (mnt) execFileSync('umount', ['-l', mnt]);
    t?.cleanup();
  });

  it('sending and receiving stall while the disk is full and finish once space is freed', async () => {
    const cfg = w.config(
      { impPath: path.join(mnt, 'ImpPath'), logDir: path.join(t.dir, 'logs'), statusPage: { enabled: false, host: '127.0.0.1', port: 0 } },
      'disk',
    );
    const client = await startClient(cfg, { logger: pino({ level: 'silent' }), lockDir: path.join(t.dir, 'locks') });
    const root = path.join(cfg.impPath, 'DecCus001');
    try {
      // fill the disk, leaving room for the files to be dropped but not for their answers
      const files = 20;
      for (let i = 0; i < files; i++) writeFileSync(path.join(root, 'OutBox', `d${i}.tmp`), withClientSeqNo(example));
      let filler = 0;
      try {
        for (;;) writeFileSync(path.join(mnt, `filler-${filler++}`), Buffer.alloc(64 * 1024));
      } catch {
        /* full */
      }
      for (let i = 0; i < files; i++) execFileSync('mv', [path.join(root, 'OutBox', `d${i}.tmp`), path.join(root, 'OutBox', `d${i}.xml`)]);
      await new Promise((r) => setTimeout(r, 3000));
      const whileFull = filesBelow(path.join(root, 'SentBox')).length;
      for (let i = 0; i < filler; i++) rmSync(path.join(mnt, `filler-${i}`), { force: true });
      await waitFor(() => filesBelow(path.join(root, 'SentBox')).length === files, 'every file sent after space is freed', 120_000, 200);
      // the sandbox answers at once (pace 0): five receipts per declaration reach the InBox too
      await waitFor(
        () => filesBelow(path.join(root, 'InBox')).filter((f) => f.startsWith('Receipt_')).length === files * 5,
        'every receipt received',
        120_000,
        200,
      );
      const inBox = filesBelow(path.join(root, 'InBox'));
      const successed = inBox.filter((f) => f.startsWith('Successed_'));
      record({
        test: 'disk full while sending and receiving',
        load: `${files} files, ${files * 5} receipts`,
        faults: 1,
        lost: files - successed.length,
        duplicates: 0,
      });
      expect(whileFull).toBeLessThan(files);
      expect(successed).toHaveLength(files);
      expect(filesBelow(path.join(root, 'FailBox'))).toEqual([]);
      expect(filesBelow(path.join(root, '.osw-work'), { hidden: true })).toEqual([]);
    } finally {
      await client.stop(0);
    }
  }, 300_000);
});
