/**
 * The import client against untrusted folders and messages, with a real platform and real folders:
 * whatever sits in OutBox that is not a regular file is never read, names the exchange cannot carry
 * are filed under safe names, nothing in ImpPath is written through a link, and a message in the
 * receive queue that cannot be filed never holds up the ones behind it.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  promises as fs,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClient, type ClientConfigInput, type RunningClient } from '@osw/client';
import { chinaDay, parseFailureRoot } from '@osw/messages';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, silent, type World } from '../support/platform-world.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));

const boxes = (cfg: ClientConfigInput, bizId = 'DecCus001') => {
  const root = path.join(cfg.impPath, bizId);
  return {
    root,
    outBox: path.join(root, 'OutBox'),
    sentBox: path.join(root, 'SentBox'),
    failBox: path.join(root, 'FailBox'),
    inBox: path.join(root, 'InBox'),
    work: path.join(root, '.osw-work'),
  };
};

/** Every regular file below dir, read without following a link. */
function contentsBelow(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...contentsBelow(p));
    else if (st.isFile()) out.push(readFileSync(p));
  }
  return out;
}

/** A logger that keeps its lines, to check what the client says. */
function keptLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

describe('import client: untrusted folders and messages', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  const running: RunningClient[] = [];
  const start = async (cfg: ClientConfigInput, logger = silent) => {
    const c = await startClient(cfg, { logger, lockDir: path.join(t.dir, 'locks') });
    running.push(c);
    return c;
  };
  const declarations = async () => (await w.platform.deps.store.declarations.listFor('4403980001', 100_000)).length;

  beforeAll(async () => {
    t = tempDir('osw-client-untrusted-');
    w = await platformWorld(t.dir);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
  });
  afterAll(async () => {
    await w?.stop();
    t?.cleanup();
  });

  it.skipIf(process.platform === 'win32')(
    'a link, a FIFO or a link to a folder in OutBox is never read: FailBox with C912 holds the entry itself, and the client goes on',
    async () => {
      const marker = `SECRET-${crypto.randomBytes(6).toString('hex')}`;
      const outside = path.join(t.dir, 'outside-links');
      mkdirSync(outside);
      const secret = path.join(outside, 'secret.xml');
      // a declaration the platform would accept: were it read, it would be signed and sent
      writeFileSync(secret, example.toString('utf8').replace('发票号HNJC-INV-261108', `发票号HNJC-INV-261108 ${marker}`));
      const cfg = w.config({}, 'links');
      const c = await start(cfg);
      const b = boxes(cfg);
      const before = await declarations();
      symlinkSync(secret, path.join(b.outBox, 'secret.xml'));
      symlinkSync(outside, path.join(b.outBox, 'folder.xml'));
      symlinkSync(path.join(outside, 'missing.xml'), path.join(b.outBox, 'dangling.xml'));
      execFileSync('mkfifo', [path.join(b.outBox, 'pipe.xml')]);
      writeFileSync(path.join(b.outBox, 'fine.xml'), withClientSeqNo(example));

      // done: an answer for each of the five, and nothing left claimed (a file is moved after its answer is written)
      await waitFor(
        () => filesBelow(b.inBox).length === 5 && filesBelow(b.failBox).length === 4 && readdirSync(b.work).length === 0,
        'each of the five answered and filed',
      );
      const answer = (name: string) => filesBelow(b.inBox).find((f) => f.startsWith(`Failed_${name}_`))!;
      expect(filesBelow(b.inBox).find((f) => f.startsWith('Successed_fine_'))).toBeTruthy();
      const kinds: Record<string, string> = { secret: 'symbolic link', folder: 'symbolic link', dangling: 'symbolic link', pipe: 'FIFO' };
      for (const [name, kind] of Object.entries(kinds)) {
        const root = parseFailureRoot(readFileSync(path.join(b.inBox, answer(name)), 'utf8'));
        expect(root.failCode).toBe('C912');
        expect(root.failInfo).toContain(kind);
      }
      // the entries themselves are in FailBox: the links still point where they pointed, the FIFO is a FIFO
      const day = path.join(b.failBox, chinaDay(new Date()));
      const failed = (name: string) =>
        path.join(
          day,
          readdirSync(day).find((f) => f.startsWith(`${name}_`))!,
        );
      expect(readlinkSync(failed('secret'))).toBe(secret);
      expect(readlinkSync(failed('folder'))).toBe(outside);
      expect(lstatSync(failed('dangling')).isSymbolicLink()).toBe(true);
      expect(lstatSync(failed('pipe')).isFIFO()).toBe(true);
      // what the links point to is where it was, unchanged, and was never read
      expect(readdirSync(outside)).toEqual(['secret.xml']);
      expect(readFileSync(secret, 'utf8')).toContain(marker);
      for (const bytes of contentsBelow(cfg.impPath)) expect(bytes.includes(marker)).toBe(false);
      for (const f of [w.dbFile, `${w.dbFile}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(marker)).toBe(false);
      expect(await declarations()).toBe(before + 1);
      expect(readdirSync(b.outBox)).toEqual([]);
      expect(readdirSync(b.work)).toEqual([]);
      // the counters follow once the batch's folders are synced
      const counted = () => c.snapshot().businesses.find((x) => x.bizId === 'DecCus001')!;
      await waitFor(() => counted().sentToday + counted().failedToday === 5, 'the files counted');
      expect(c.snapshot().businesses.find((x) => x.bizId === 'DecCus001')).toMatchObject({ sentToday: 1, failedToday: 4 });
    },
  );

  it('a name the exchange cannot carry (a newline, a tab, a backslash, bytes that are not UTF-8) goes to FailBox under a safe name with C913; nothing stays behind', async () => {
    const cfg = w.config({}, 'names');
    const b = boxes(cfg);
    // a file an older version claimed and could never send: it waits in the work folder
    mkdirSync(b.work, { recursive: true });
    writeFileSync(path.join(b.work, '202601021504050000001__left\nbehind.xml'), example);
    await start(cfg);
    const before = await declarations();
    writeFileSync(path.join(b.outBox, 'new\nline.xml'), example);
    writeFileSync(path.join(b.outBox, 'tab\there.xml'), example);
    writeFileSync(path.join(b.outBox, 'back\\slash.xml'), example);
    const notUtf8 = Buffer.concat([Buffer.from(`${b.outBox}${path.sep}bytes`), Buffer.from([0xff, 0xfe]), Buffer.from('.xml')]);
    if (process.platform === 'linux') writeFileSync(notUtf8, example);
    const expected = ['left_behind', 'new_line', 'tab_here', 'back_slash', ...(process.platform === 'linux' ? ['bytes__'] : [])];

    await waitFor(
      () => filesBelow(b.inBox).length === expected.length && filesBelow(b.failBox).length === expected.length,
      'a Failed_ for each name, and each file in FailBox',
    );
    const day = chinaDay(new Date());
    for (const safe of expected) {
      const f = filesBelow(b.inBox).find((x) => x.startsWith(`Failed_${safe}_`));
      expect(f, safe).toBeTruthy();
      const root = parseFailureRoot(readFileSync(path.join(b.inBox, f!), 'utf8'));
      expect(root.failCode).toBe('C913');
      expect(filesBelow(b.failBox).filter((x) => x.startsWith(`${day}${path.sep}${safe}_`))).toHaveLength(1);
    }
    const newline = parseFailureRoot(
      readFileSync(
        path.join(
          b.inBox,
          filesBelow(b.inBox).find((x) => x.startsWith('Failed_new_line_'))!,
        ),
        'utf8',
      ),
    );
    expect(newline.failInfo).toContain('new\\u000aline.xml');
    expect(filesBelow(b.failBox)).toHaveLength(expected.length);
    expect(filesBelow(b.failBox).every((f) => !/[\n\t\\\uFFFD]/.test(f))).toBe(true);
    expect(readdirSync(b.work)).toEqual([]);
    expect(readdirSync(b.outBox, { encoding: 'buffer' })).toEqual([]);
    expect(filesBelow(b.sentBox)).toEqual([]);
    expect(await declarations()).toBe(before);
  });

  it.skipIf(process.platform === 'win32')(
    'nothing in ImpPath is written through a link: InBox temporary names, a SentBox day folder, the received-message journal',
    async () => {
      const outside = path.join(t.dir, 'outside-writes');
      mkdirSync(outside);
      const victim = path.join(outside, 'victim.txt');
      writeFileSync(victim, 'untouched');
      const cfg = w.config({}, 'nofollow');
      const b = boxes(cfg);
      const day = chinaDay(new Date());
      // the day folder the sent file would go into, and today's journal of received ids, are links
      mkdirSync(b.sentBox, { recursive: true });
      symlinkSync(outside, path.join(b.sentBox, day));
      const journalDir = path.join(cfg.impPath, '.osw-state', 'received');
      const journal = (d: string) => path.join(journalDir, `received-${d.replace(/-/g, '')}.log`);
      mkdirSync(journalDir, { recursive: true });
      const yesterday = chinaDay(new Date(Date.now() - 86_400_000));
      symlinkSync(victim, journal(yesterday)); // read at start: removed, never read
      const c = await start(cfg);
      expect(existsSync(journal(yesterday))).toBe(false);
      symlinkSync(victim, journal(day)); // appended to after a receipt: replaced by a real file, never written through
      // links waiting at the temporary names an InBox write may use
      const receipt = 'Receipt_E20260000000888888_202611211200000000009.xml';
      symlinkSync(victim, path.join(b.inBox, `.${receipt}.${process.pid}.tmp`));
      for (let n = 0; n < 1000; n++) symlinkSync(victim, path.join(b.inBox, `.osw.${process.pid}-${n}.tmp`));

      writeFileSync(path.join(b.outBox, 'held.xml'), withClientSeqNo(example));
      await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_held_')), 'the import answer');
      // the sent file waits in the work folder: its day folder is a link, not followed
      await waitFor(
        () =>
          c
            .snapshot()
            .businesses.find((x) => x.bizId === 'DecCus001')
            ?.lastError?.message.includes('is a link'),
        'the refusal shown',
      );
      expect(readdirSync(outside)).toEqual(['victim.txt']);
      expect(readdirSync(b.work)).toHaveLength(1);
      await fs.rm(path.join(b.sentBox, day));
      await waitFor(
        () => filesBelow(b.sentBox).find((f) => f.startsWith(`${day}${path.sep}held_`)),
        'SentBox once the link is gone',
        30_000,
      );
      expect(lstatSync(path.join(b.sentBox, day)).isDirectory()).toBe(true);

      await w.platform.deps.store.deliveries.enqueue([
        {
          clientId: w.broker.clientId,
          messageId: 'LINKTEST0001',
          business: 'declaration',
          fileName: receipt,
          body: '<DEC_RESULT/>',
          createdAt: new Date().toISOString(),
        },
      ]);
      w.platform.deps.notifier.notify(w.broker.clientId);
      await waitFor(() => filesBelow(b.inBox).includes(receipt), 'the receipt');
      await waitFor(async () => (await w.platform.deps.store.deliveries.countPending(w.broker.clientId)) === 0, 'acknowledged');
      expect(lstatSync(path.join(b.inBox, receipt)).isFile()).toBe(true);
      expect(readFileSync(path.join(b.inBox, receipt), 'utf8')).toBe('<DEC_RESULT/>');
      expect(lstatSync(journal(day)).isFile()).toBe(true);
      expect(readFileSync(journal(day), 'utf8')).toContain('LINKTEST0001');
      expect(readFileSync(victim, 'utf8')).toBe('untouched');
      expect(readdirSync(outside)).toEqual(['victim.txt']);
    },
  );

  it('receiving over HTTP: a message that cannot be filed is acknowledged, written nowhere and logged once with its reason; the next one is filed', async () => {
    const cfg = w.config({}, 'poison-http');
    const { logger, lines } = keptLogger();
    const c = await start(cfg, logger);
    const b = boxes(cfg);
    const at = new Date().toISOString();
    const poison: { fileName: string; business?: string; body?: string; messageId?: string; reason: RegExp }[] = [
      { fileName: '', reason: /empty/ },
      { fileName: '../escape.xml', reason: /path separator/ },
      { fileName: 'sub/escape.xml', reason: /path separator/ },
      { fileName: '..', reason: /"\.\."/ },
      { fileName: 'new\nline.xml', reason: /control characters/ },
      { fileName: 'CON.xml', reason: /device name/ },
      { fileName: 'stream:x.xml', reason: /Windows does not allow/ },
      { fileName: '.hidden.xml', reason: /hidden or temporary/ },
      { fileName: 'Receipt_EMPTY_202611211200000000001.xml', body: '', reason: /body is empty/ },
      { fileName: 'Receipt_TEXT_202611211200000000002.xml', body: 'not xml', reason: /not XML/ },
      { fileName: 'Receipt_NOBIZ_202611211200000000003.xml', business: '', reason: /no business/ },
      { fileName: 'Receipt_BADID_202611211200000000004.xml', messageId: 'bad id\nforged', reason: /message id/ },
    ];
    await w.platform.deps.store.deliveries.enqueue([
      ...poison.map((p, i) => ({
        clientId: w.broker.clientId,
        messageId: p.messageId ?? `POISONHTTP${String(i).padStart(4, '0')}`,
        business: p.business ?? 'declaration',
        fileName: p.fileName,
        body: p.body ?? '<DEC_RESULT/>',
        createdAt: at,
      })),
      {
        clientId: w.broker.clientId,
        messageId: 'GOODHTTP0001',
        business: 'declaration',
        fileName: 'Receipt_GOOD_202611211200000000005.xml',
        body: '<DEC_RESULT/>',
        createdAt: at,
      },
    ]);
    w.platform.deps.notifier.notify(w.broker.clientId);
    await waitFor(() => filesBelow(b.inBox).includes('Receipt_GOOD_202611211200000000005.xml'), 'the good receipt after the poison');
    await waitFor(async () => (await w.platform.deps.store.deliveries.countPending(w.broker.clientId)) === 0, 'every delivery settled');
    expect(filesBelow(b.inBox)).toEqual(['Receipt_GOOD_202611211200000000005.xml']);
    expect(filesBelow(path.dirname(cfg.impPath), { hidden: true }).filter((f) => f.endsWith('.tmp') || f.includes('escape'))).toEqual([]);
    expect(c.snapshot().received).toMatchObject({ files: 1, rejected: poison.length });
    const refusals = lines.filter((l) => l.msg === 'received message cannot be filed: rejected, nothing written');
    expect(refusals).toHaveLength(poison.length);
    for (const p of poison) expect(refusals.filter((l) => p.reason.test(String(l.reason))).length, String(p.reason)).toBeGreaterThan(0);
  });
});
