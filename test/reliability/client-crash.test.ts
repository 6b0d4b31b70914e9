/**
 * kill -9 the import client at random moments while it sends a batch; restart it each time. After
 * all rounds every file is in exactly one of SentBox/FailBox, every message was accepted exactly
 * once by the platform, and every answer is in the InBox exactly once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, type World } from '../support/platform-world.js';
import { FULL, record } from './report.js';

const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');
const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));

describe('reliability: the client killed at random moments', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  beforeAll(async () => {
    t = tempDir('osw-rel-crash-');
    w = await platformWorld(t.dir);
  });
  afterAll(async () => {
    await w?.stop();
    t?.cleanup();
  });

  const rounds = FULL ? 20 : 3;
  const files = FULL ? 5000 : 300;

  it(
    `${files} files, ${rounds} kill -9 rounds: nothing lost, nothing doubled`,
    async () => {
      const cfg = w.config(
        { businesses: { declaration: { maxConcurrentTasks: 8 } }, statusPage: { enabled: false, host: '127.0.0.1', port: 0 } },
        'crash',
      );
      const root = path.join(cfg.impPath, 'DecCus001');
      const box = (b: string) => path.join(root, b);
      mkdirSync(box('OutBox'), { recursive: true });
      for (let i = 0; i < files; i++)
        writeFileSync(path.join(box('OutBox'), `dec-${String(i).padStart(5, '0')}.xml`), withClientSeqNo(example));
      const configFile = path.join(t.dir, 'crash.yaml');
      writeFileSync(configFile, JSON.stringify(cfg));
      const env = { ...process.env, OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks') };
      const before = (await w.platform.deps.store.declarations.listFor('4403980001', 1_000_000)).length;
      const start = () => spawn(process.execPath, [OSW, 'client', 'start', '--config', configFile], { env, stdio: 'ignore' });
      let kills = 0;
      for (let r = 0; r < rounds; r++) {
        const child = start();
        const exited = new Promise((res) => child.once('exit', res));
        // let it get going, then kill it somewhere in the middle of its work
        await waitFor(
          () => filesBelow(box('SentBox')).length > 0 || filesBelow(box('.osw-work')).length > 0,
          'the client to start working',
          30_000,
        );
        await new Promise((res) => setTimeout(res, 100 + Math.floor(Math.random() * 900)));
        child.kill('SIGKILL');
        await exited;
        kills++;
      }
      const last = start();
      try {
        await waitFor(
          () => filesBelow(box('SentBox')).length + filesBelow(box('FailBox')).length === files,
          'every file filed',
          FULL ? 900_000 : 120_000,
          250,
        );
      } finally {
        last.kill('SIGTERM');
        await new Promise((res) => last.once('exit', res));
      }
      const sent = filesBelow(box('SentBox')).map((f) => path.basename(f).replace(/_\d{21}\.xml$/, ''));
      const inBox = filesBelow(box('InBox')).filter((f) => f.startsWith('Successed_'));
      const accepted = (await w.platform.deps.store.declarations.listFor('4403980001', 1_000_000)).length - before;
      const lost = files - new Set(sent).size;
      const duplicates =
        sent.length -
        new Set(sent).size +
        (inBox.length - new Set(inBox.map((f) => f.replace(/_\d{21}\.xml$/, ''))).size) +
        Math.max(0, accepted - files);
      record({ test: 'client kill -9 during a send', load: `${files} files`, faults: kills, lost, duplicates });
      expect(filesBelow(box('FailBox'))).toEqual([]);
      expect(filesBelow(box('OutBox'))).toEqual([]);
      expect(filesBelow(box('.osw-work'), { hidden: true })).toEqual([]);
      expect(new Set(sent).size).toBe(files);
      expect(sent).toHaveLength(files);
      expect(inBox).toHaveLength(files);
      expect(accepted).toBe(files);
    },
    FULL ? 1_200_000 : 240_000,
  );
});
