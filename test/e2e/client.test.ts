/**
 * The import client against a real platform on a free port, with real folders: each rule of the
 * client manual and FAQ, crash safety included.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { C144_MESSAGE, readCardFile, startClient, type ClientConfigInput, type RunningClient } from '@osw/client';
import { chinaDay, parseDecImportResponse, parseFailureRoot } from '@osw/messages';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, silent, type World } from '../support/platform-world.js';

const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');
// every file dropped gets a ClientSeqNo of its own (withClientSeqNo): the platform accepts each once per enterprise
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

describe('import client', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  const running: RunningClient[] = [];
  const start = async (cfg: ClientConfigInput, lockDir = path.join(t.dir, 'locks')) => {
    const c = await startClient(cfg, { logger: silent, lockDir });
    running.push(c);
    return c;
  };
  const declarations = async () => (await w.platform.deps.store.declarations.listFor('4403980001', 100_000)).length;

  beforeAll(async () => {
    t = tempDir('osw-client-');
    w = await platformWorld(t.dir);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
  });
  afterAll(async () => {
    await w?.stop();
    t?.cleanup();
  });

  it('a file written in parts is sent once, complete, only after it stopped changing', async () => {
    const cfg = w.config({ stableMs: 2000 }, 'partial');
    await start(cfg);
    const b = boxes(cfg);
    const whole = withClientSeqNo(example);
    const half = Math.floor(whole.length / 2);
    const file = path.join(b.outBox, 'slow.xml');
    writeFileSync(file, whole.subarray(0, half));
    await new Promise((r) => setTimeout(r, 300));
    await fs.appendFile(file, whole.subarray(half));
    const ok = await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_slow_')), 'Successed_');
    expect(parseDecImportResponse(readFileSync(path.join(b.inBox, ok), 'utf8')).responseCode).toBe('0');
    // the sent file is moved into SentBox a moment after its answer is in the InBox
    const sent = await waitFor(() => (filesBelow(b.sentBox).length ? filesBelow(b.sentBox) : null), 'the sent file in SentBox');
    expect(sent).toHaveLength(1);
    expect(readFileSync(path.join(b.sentBox, sent[0]), 'utf8')).toContain('</DecMessage>');
  });

  for (const tasks of [1, 8]) {
    it(`1,000 files dropped at once with maxConcurrentTasks ${tasks}: each is filed once and accepted once`, async () => {
      const cfg = w.config({ businesses: { declaration: { maxConcurrentTasks: tasks } }, rescanMs: 200 }, `bulk${tasks}`);
      const b = boxes(cfg);
      await fs.mkdir(b.outBox, { recursive: true });
      const before = await declarations();
      for (let i = 0; i < 1000; i++) writeFileSync(path.join(b.outBox, `dec-${String(i).padStart(4, '0')}.xml`), withClientSeqNo(example));
      await start(cfg);
      await waitFor(() => filesBelow(b.inBox).length === 1000, '1,000 InBox files', 180_000, 250);
      const inBox = filesBelow(b.inBox);
      const failed = inBox.filter((f) => !f.startsWith('Successed_'));
      expect(failed.map((f) => `${f}: ${readFileSync(path.join(b.inBox, f), 'utf8')}`)).toEqual([]);
      expect(new Set(inBox.map((f) => f.replace(/_\d{21}\.xml$/, ''))).size).toBe(1000);
      await waitFor(() => filesBelow(b.sentBox).length === 1000, 'SentBox', 20_000);
      expect(filesBelow(b.outBox)).toEqual([]);
      expect(filesBelow(b.work)).toEqual([]);
      expect(await declarations()).toBe(before + 1000);
    }, 240_000);
  }

  it('validateBeforeSend: a declaration customs would refuse goes to FailBox at once with C914 and every problem; a good one is sent', async () => {
    const cfg = w.config({ businesses: { declaration: { validateBeforeSend: true } } }, 'validate');
    await start(cfg);
    const b = boxes(cfg);
    const before = await declarations();
    const bad = withClientSeqNo(example)
      .toString('utf8')
      .replace(/<TradeMode>[^<]*<\/TradeMode>/, '<TradeMode>9876</TradeMode>')
      .replace(/<TradeCurr>[^<]*<\/TradeCurr>/, '<TradeCurr>XYZ</TradeCurr>');
    writeFileSync(path.join(b.outBox, 'bad.xml'), bad);
    writeFileSync(path.join(b.outBox, 'good.xml'), withClientSeqNo(example));
    const failed = await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith('Failed_bad_')), 'Failed_ C914');
    const root = parseFailureRoot(readFileSync(path.join(b.inBox, failed), 'utf8'));
    expect(root.failCode).toBe('C914');
    expect(root.failInfo).toContain('共2项');
    expect(root.failInfo).toContain('DecHead.TradeMode: 监管方式(TradeMode)[9876]不在监管方式代码表中');
    expect(root.failInfo).toContain('DecLists.DecList[1].TradeCurr: 币制(TradeCurr)[XYZ]不在货币代码表中');
    await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith('Successed_good_')), 'Successed_ for the good one');
    await waitFor(() => filesBelow(b.failBox).length === 1 && filesBelow(b.sentBox).length === 1, 'one in FailBox, one in SentBox');
    // only the good one reached the platform
    expect(await declarations()).toBe(before + 1);
  });

  it('FAQ 19: a declaration whose CopCode is another enterprise than the card’s comes back Failed_ "操作卡海关十位和Session中的不相符"', async () => {
    const cfg = w.config({}, 'faq19');
    await start(cfg);
    const b = boxes(cfg);
    const before = await declarations();
    const foreign = withClientSeqNo(example).toString('utf8').replaceAll('<CopCode>4403980001</CopCode>', '<CopCode>4403960002</CopCode>');
    writeFileSync(path.join(b.outBox, 'foreign.xml'), foreign);
    const failed = await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith('Failed_foreign_')), 'Failed_ for FAQ 19');
    const resp = parseDecImportResponse(readFileSync(path.join(b.inBox, failed), 'utf8'));
    expect(resp.responseCode).toBe('1');
    expect(resp.errorMessage).toBe(
      '导入失败：操作卡海关十位和Session中的不相符：DecSign.CopCode[4403960002]不是IC卡所属企业[4403980001]；' +
        '操作卡海关十位和Session中的不相符：DecHead.CopCode[4403960002]不是IC卡所属企业[4403980001]',
    );
    expect(await declarations()).toBe(before);
  });

  it('no PIN saved → C144 "卡密码不能为空，请设置卡密码!"', async () => {
    const cfg = w.config({ card: { file: w.broker.cardFile } }, 'nopin');
    await start(cfg);
    const b = boxes(cfg);
    writeFileSync(path.join(b.outBox, 'a.xml'), withClientSeqNo(example));
    const f = await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith('Failed_a_')), 'Failed_');
    const root = parseFailureRoot(readFileSync(path.join(b.inBox, f), 'utf8'));
    expect(root.failCode).toBe('C144');
    expect(root.failInfo).toContain(C144_MESSAGE);
    // the receipt is written first, then the file leaves the work folder for FailBox
    await waitFor(() => filesBelow(b.failBox).length === 1, 'the file in FailBox');
    expect(filesBelow(b.failBox)).toHaveLength(1);
  });

  it('a wrong PIN gives C134 with the tries left, and the client does not burn more tries on its own', async () => {
    const cardFile = path.join(t.dir, 'pin-card.json');
    await fs.copyFile(w.broker.cardFile, cardFile);
    const cfg = w.config({ card: { file: cardFile, pin: '99999999' } }, 'wrongpin');
    await start(cfg);
    const b = boxes(cfg);
    for (const n of ['a', 'b', 'c']) writeFileSync(path.join(b.outBox, `${n}.xml`), withClientSeqNo(example));
    await waitFor(() => filesBelow(b.inBox).filter((x) => x.startsWith('Failed_')).length === 3, 'three Failed_');
    for (const f of filesBelow(b.inBox)) {
      const root = parseFailureRoot(readFileSync(path.join(b.inBox, f), 'utf8'));
      expect(root.failCode).toBe('C134');
      expect(root.failInfo).toContain('还可以重试4次');
    }
    expect((await readCardFile(cardFile)).triesLeft).toBe(4);
    expect(running[0].snapshot().card).toMatchObject({ state: 'pin-wrong', triesLeft: 4 });
  });

  it('transport down: retries with backoff, and sends once the platform is back', async () => {
    const cfg = w.config({ sendRetryForMs: 30_000 }, 'down-up');
    await start(cfg);
    const b = boxes(cfg);
    await w.stop();
    writeFileSync(path.join(b.outBox, 'wait.xml'), withClientSeqNo(example));
    await waitFor(() => running[0].snapshot().connection.state === 'down', 'the connection marked down');
    expect(filesBelow(b.inBox)).toEqual([]);
    await w.restart();
    await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_wait_')), 'Successed_ after the platform is back', 30_000);
    expect(running[0].snapshot().connection.state).toBe('ok');
  });

  it('transport down longer than the retry window: FailBox + C18 with the reason and never the secret', async () => {
    const cfg = w.config({ sendRetryForMs: 800 }, 'down');
    await start(cfg);
    const b = boxes(cfg);
    await w.stop();
    try {
      writeFileSync(path.join(b.outBox, 'lost.xml'), withClientSeqNo(example));
      const f = await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith('Failed_lost_')), 'Failed_ C18', 20_000);
      const text = readFileSync(path.join(b.inBox, f), 'utf8');
      expect(parseFailureRoot(text).failCode).toBe('C18');
      expect(text).toContain('cannot reach');
      expect(text).not.toContain(w.broker.secret);
      // the receipt is written first, then the file leaves the work folder for FailBox
      await waitFor(() => filesBelow(b.failBox).length === 1, 'the file in FailBox');
    } finally {
      await w.restart();
    }
  });

  it('no answer within sendTimeoutMs → C141 等待响应超时', async () => {
    const silentServer = net.createServer(() => undefined);
    await new Promise<void>((r) => silentServer.listen(0, '127.0.0.1', () => r()));
    const port = (silentServer.address() as net.AddressInfo).port;
    try {
      const cfg = w.config(
        { platform: { url: `http://127.0.0.1:${port}`, secret: 'x' }, sendTimeoutMs: 300, sendRetryForMs: 500 },
        'timeout',
      );
      await start(cfg);
      const b = boxes(cfg);
      writeFileSync(path.join(b.outBox, 'slow.xml'), withClientSeqNo(example));
      const f = await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith('Failed_slow_')), 'Failed_ C141', 20_000);
      const root = parseFailureRoot(readFileSync(path.join(b.inBox, f), 'utf8'));
      expect(root.failCode).toBe('C141');
      expect(root.failInfo).toContain('等待响应超时');
    } finally {
      await Promise.all(running.splice(0).map((c) => c.stop(0)));
      silentServer.close();
    }
  });

  it('automatic re-send: a transport failure goes back to OutBox and is sent when the platform is back', async () => {
    const cfg = w.config({ sendRetryForMs: 300, autoResend: { enabled: true, attempts: 2, intervalMs: 1000 } }, 'resend');
    await start(cfg);
    const b = boxes(cfg);
    await w.stop();
    writeFileSync(path.join(b.outBox, 'again.xml'), withClientSeqNo(example));
    await waitFor(() => filesBelow(b.failBox).some((f) => f.includes('again_')), 'the file in FailBox', 20_000);
    await w.restart();
    const ok = await waitFor(
      () => filesBelow(b.inBox).find((f) => /^Successed_again_\d{21}_\d{21}\.xml$/.test(f)),
      'Successed_ for the re-sent file',
      30_000,
    );
    expect(ok).toBeTruthy();
    // the receipt is written first, then the file leaves the work folder for SentBox
    await waitFor(() => filesBelow(b.sentBox).some((f) => /again_\d{21}_\d{21}\.xml$/.test(f)), 'the re-sent file in SentBox');
  });

  it('pause and resume a business through the status page', async () => {
    const cfg = w.config({}, 'pause');
    const c = await start(cfg);
    const b = boxes(cfg);
    // as the page's own script sends it (docs/client.md: a switch needs this header and no foreign Origin)
    const asPage = { method: 'POST', headers: { 'x-status-page-request': 'page', origin: c.statusUrl! } };
    const res = await fetch(`${c.statusUrl}/api/businesses/DecCus001/pause`, asPage);
    expect(res.status).toBe(200);
    writeFileSync(path.join(b.outBox, 'held.xml'), withClientSeqNo(example));
    await new Promise((r) => setTimeout(r, 800));
    expect(filesBelow(b.outBox)).toEqual(['held.xml']);
    const status = await (await fetch(`${c.statusUrl}/api/status`)).json();
    expect(status.businesses.find((x: { bizId: string }) => x.bizId === 'DecCus001')).toMatchObject({ paused: true, outBoxBacklog: 1 });
    expect(await (await fetch(`${c.statusUrl}/`)).text()).toContain('导入监控');
    await fetch(`${c.statusUrl}/api/businesses/DecCus001/resume`, asPage);
    await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_held_')), 'sent after resume');
    // the counter moves once the file is in SentBox, a moment after Successed_ appears
    await waitFor(() => c.snapshot().businesses.find((x) => x.bizId === 'DecCus001')?.sentToday === 1, 'sentToday 1');
    expect(c.snapshot().businesses.find((x) => x.bizId === 'DecCus001')).toMatchObject({ paused: false, sentToday: 1 });
  });

  it('receiving: a redelivered message id is not written twice, and a push for an unknown business goes to the default business', async () => {
    const cfg = w.config({}, 'receive');
    await start(cfg);
    const b = boxes(cfg);
    const store = w.platform.deps.store;
    const id = await store.deliveries.enqueue([
      {
        clientId: w.broker.clientId,
        messageId: 'PUSHTEST0001',
        business: 'declaration',
        fileName: 'Receipt_E20260000000999999_202611211200000000001.xml',
        body: '<DEC_RESULT/>',
        createdAt: new Date().toISOString(),
      },
    ]);
    w.platform.deps.notifier.notify(w.broker.clientId);
    await waitFor(() => filesBelow(b.inBox).includes('Receipt_E20260000000999999_202611211200000000001.xml'), 'the receipt');
    await fs.rm(path.join(b.inBox, 'Receipt_E20260000000999999_202611211200000000001.xml'));
    // the platform delivers it again (as after a lost acknowledgement or a resend)
    const db = new Database(w.dbFile);
    db.prepare('update deliveries set acked_at = null where id = ?').run(id);
    db.close();
    await store.deliveries.enqueue([
      {
        clientId: w.broker.clientId,
        messageId: 'PUSHTEST0002',
        business: 'no-such-business',
        fileName: 'Receipt_X_202611211200000000002.xml',
        body: '<DEC_RESULT/>',
        createdAt: new Date().toISOString(),
      },
    ]);
    w.platform.deps.notifier.notify(w.broker.clientId);
    await waitFor(
      () => filesBelow(b.inBox).includes('Receipt_X_202611211200000000002.xml'),
      'the push for an unknown business in the default InBox',
    );
    await waitFor(async () => (await store.deliveries.countPending(w.broker.clientId)) === 0, 'all acknowledged');
    expect(filesBelow(b.inBox)).not.toContain('Receipt_E20260000000999999_202611211200000000001.xml');
    expect(running[0].snapshot().received.duplicatesDropped).toBe(1);
  });

  it('SentBox cleanup removes dated folders past the retention, never InBox or FailBox', async () => {
    const cfg = w.config({ sentBoxRetentionDays: 7 }, 'cleanup');
    const b = boxes(cfg);
    const old = '2020-01-01';
    const recent = chinaDay(new Date());
    for (const d of [path.join(b.sentBox, old), path.join(b.sentBox, recent), path.join(b.failBox, old), b.inBox]) {
      await fs.mkdir(d, { recursive: true });
      writeFileSync(path.join(d, 'x.xml'), '<a/>');
    }
    await start(cfg);
    expect(existsSync(path.join(b.sentBox, old))).toBe(false);
    expect(existsSync(path.join(b.sentBox, recent, 'x.xml'))).toBe(true);
    expect(existsSync(path.join(b.failBox, old, 'x.xml'))).toBe(true);
    expect(existsSync(path.join(b.inBox, 'x.xml'))).toBe(true);
  });

  it('device binding: the client is bound to the first machine; another machine is refused with the way out', async () => {
    const first = w.config(
      {
        clientId: w.owner.clientId,
        platform: { url: `http://127.0.0.1:${w.port}`, secret: w.owner.secret },
        card: { file: w.owner.cardFile, pin: '12345678' },
        deviceId: 'machine-a',
      },
      'bind-a',
    );
    await start(first);
    // the importer's own declaration: its CopCode is the card's enterprise (FAQ 19)
    const own = withClientSeqNo(example).toString('utf8').replaceAll('<CopCode>4403980001</CopCode>', '<CopCode>4403960002</CopCode>');
    writeFileSync(path.join(boxes(first).outBox, 'a.xml'), own);
    await waitFor(() => filesBelow(boxes(first).inBox).find((f) => f.startsWith('Successed_a_')), 'first machine sends');
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
    const second = { ...first, impPath: path.join(t.dir, 'bind-b', 'ImpPath'), deviceId: 'machine-b' };
    await start(second);
    writeFileSync(path.join(boxes(second).outBox, 'b.xml'), withClientSeqNo(example));
    const f = await waitFor(() => filesBelow(boxes(second).inBox).find((x) => x.startsWith('Failed_b_')), 'second machine refused');
    const root = parseFailureRoot(readFileSync(path.join(boxes(second).inBox, f), 'utf8'));
    expect(root.failCode).toBe('C18');
    expect(root.failInfo).toContain('解除设备绑定');
  });

  it('one machine runs one environment: a prod client is refused while a test client runs', async () => {
    await start(w.config({}, 'env-test'));
    await expect(start(w.config({ environment: 'prod' }, 'env-prod'))).rejects.toThrow(
      /OSW_CLIENT_ENVIRONMENT_CONFLICT|同一台电脑不能同时运行测试和生产环境客户端/,
    );
  });

  it('logs go to <log>/<yyyyMMdd>/SWLog-<yyyyMMdd>.log with file name and message id, secrets redacted (swLog.format json)', async () => {
    const cfg = w.config({ swLog: { format: 'json' } }, 'logs');
    const c = await startClient(cfg, { lockDir: path.join(t.dir, 'locks') });
    const b = boxes(cfg);
    writeFileSync(path.join(b.outBox, 'logged.xml'), withClientSeqNo(example));
    await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_logged_')), 'sent');
    await c.stop(0);
    const day = chinaDay(new Date()).replace(/-/g, '');
    const log = readFileSync(path.join(cfg.logDir!, day, `SWLog-${day}.log`), 'utf8');
    const sent = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.msg === 'sent');
    expect(sent).toMatchObject({ file: 'logged.xml', clientId: w.broker.clientId });
    expect(sent.msgId).toMatch(new RegExp(`^${w.broker.clientId}\\d{21}$`));
    expect(log).not.toContain(w.broker.secret);
    expect(log).not.toContain(`"${w.broker.pin}"`);
  });

  it('graceful stop: the file in flight finishes, claimed files go back to OutBox', async () => {
    // a platform that answers slowly
    const slow = http.createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        setTimeout(
          () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                accepted: true,
                duplicate: false,
                responseXml: '<DecImportResponse><ResponseCode>0</ResponseCode></DecImportResponse>',
                messages: [],
              }),
            );
          },
          req.url?.startsWith('/exchange/v1/messages') ? 700 : 5000,
        ),
      );
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    try {
      // one file per send, so that one is in flight and three wait claimed
      const cfg = w.config(
        {
          platform: { url: `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}`, secret: 'x' },
          businesses: { declaration: { sendBatchFiles: 1 } },
        },
        'graceful',
      );
      const b = boxes(cfg);
      await fs.mkdir(b.outBox, { recursive: true });
      for (const n of ['1', '2', '3', '4']) writeFileSync(path.join(b.outBox, `g${n}.xml`), withClientSeqNo(example));
      const c = await startClient(cfg, { logger: silent, lockDir: path.join(t.dir, 'locks') });
      await waitFor(
        () => c.snapshot().businesses.find((x) => x.bizId === 'DecCus001')!.inFlight === 1 && filesBelow(b.outBox).length === 0,
        'one in flight, the rest claimed',
      );
      await c.stop(5000);
      expect(filesBelow(b.sentBox)).toHaveLength(1);
      expect(filesBelow(b.outBox).sort()).toHaveLength(3);
      expect(filesBelow(b.work)).toEqual([]);
    } finally {
      slow.close();
    }
  });

  describe('crash at each step (kill -9) and restart: every file in exactly one place, accepted exactly once', () => {
    for (const point of ['after-claim', 'after-sign', 'after-send', 'after-inbox']) {
      it(`killed ${point}`, async () => {
        const cfg = w.config({ statusPage: { enabled: false, host: '127.0.0.1', port: 0 } }, `crash-${point}`);
        const b = boxes(cfg);
        await fs.mkdir(b.outBox, { recursive: true });
        const file = path.join(t.dir, `crash-${point}.yaml`);
        writeFileSync(file, JSON.stringify(cfg));
        const env = { ...process.env, OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks') };
        const before = await declarations();
        const child = spawn(process.execPath, [OSW, 'client', 'start', '--config', file], {
          env: { ...env, OSW_CLIENT_CRASH_AT: point },
          stdio: 'ignore',
        });
        const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
        await waitFor(() => existsSync(path.join(b.outBox)), 'folders');
        writeFileSync(path.join(b.outBox, 'crash.xml'), withClientSeqNo(example));
        expect(await exited).toBe('SIGKILL');
        expect(filesBelow(b.work)).toHaveLength(1);
        const again = spawn(process.execPath, [OSW, 'client', 'start', '--config', file], { env, stdio: 'ignore' });
        try {
          await waitFor(
            () => filesBelow(b.sentBox).length === 1 && filesBelow(b.work).length === 0,
            'the file in SentBox after restart',
            30_000,
          );
          const inBox = filesBelow(b.inBox);
          expect(inBox).toHaveLength(1);
          expect(inBox[0]).toMatch(/^Successed_crash_\d{21}\.xml$/);
          expect(filesBelow(b.outBox)).toEqual([]);
          expect(filesBelow(b.failBox)).toEqual([]);
          expect(await declarations()).toBe(before + 1);
        } finally {
          again.kill('SIGTERM');
          await new Promise((r) => again.once('exit', r));
        }
      }, 60_000);
    }
  });
});
