/**
 * Subscription pushes end to end in the demo: the importer (收发货人) subscribes its client to
 * declaration data and every receipt type, and a phone to SMS; the broker's client sends a
 * declaration naming the importer; the importer's InBox gets the data and every receipt, the SMS
 * outbox one SMS per receipt. Then the importer subscribes to its manual (stock 料件 1-20 and
 * incremental); the sandbox approves a change; the InBox gets the snapshot, then the change. The ERP
 * takes the snapshot out of the InBox and a user resends it (重发, REST API): it is written again under
 * a new name and the push log says so. The client is killed after writing a push and before
 * acknowledging it: the redelivery (HTTP: the platform's; RabbitMQ: the broker's) is dropped by
 * message id, and the push log records it as dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClient, type ClientConfigInput, type RunningClient } from '@osw/client';
import { parseDecResult, parseManualData } from '@osw/messages';
import { startPlatform, type RunningPlatform } from '@osw/platform';
import { demoBrokerUserPrefix, startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { EXAMPLES, filesBelow, tempDir, waitFor } from '../helpers.js';
import { AMQP_URL, createPostgresDatabase, PG_URL, testVhost, type TestDatabase } from '../support/engines.js';

const logger = pino({ level: 'silent' });
const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');

interface PushDetail {
  status: string;
  source: string;
  resendCount: number;
  clientOutcome: string | null;
  attemptLog: { outcome: string; resend: number | null; clientOutcome: string | null }[];
}

/** Where the suite runs: the embedded demo, or the demo on PostgreSQL + RabbitMQ with a second platform instance. */
interface Setup {
  title: string;
  skip: boolean;
  start(home: string): Promise<{ demo: RunningDemo; urls: string[]; close(): Promise<void> }>;
}

const embedded: Setup = {
  title: 'subscription pushes in the demo',
  skip: false,
  async start(home) {
    const demo = await startDemo({ home, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100 });
    return { demo, urls: [demo.platform.url], close: () => demo.close() };
  },
};

const scale: Setup = {
  title: 'subscription pushes on PostgreSQL + RabbitMQ with two platform instances',
  skip: !AMQP_URL || !PG_URL,
  async start(home) {
    const db: TestDatabase = await createPostgresDatabase();
    const vh = testVhost();
    const demo = await startDemo({ home, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100, store: db.location, exchange: vh.url });
    // the second instance: same database and broker; its sandbox and push workers share the work
    const second: RunningPlatform = await startPlatform(
      {
        store: db.location,
        exchange: vh.url,
        port: 0,
        sandboxPaceMs: 0,
        sandboxTickMs: 50,
        // the same deployment: its broker users carry the demo's prefix
        amqp: { instanceName: 'osw-platform-2', discoverMs: 300, sweepMs: 200, retryBaseMs: 50, userPrefix: demoBrokerUserPrefix(vh.url) },
      },
      logger,
    );
    const users = demo.contract.clients.map((c) => c.broker?.user).filter((u): u is string => !!u);
    return {
      demo,
      // the API calls alternate between the two instances
      urls: [demo.platform.url, second.url],
      async close() {
        await demo.close();
        await second.close();
        await vh.drop(users);
        await db.drop();
      },
    };
  },
};

for (const setup of [embedded, scale]) pushSuite(setup);

function pushSuite(setup: Setup): void {
  let t: ReturnType<typeof tempDir>;
  let demo: RunningDemo;
  let running: Awaited<ReturnType<Setup['start']>> | undefined;
  let token = '';
  let calls = 0;
  /** the owner's client as a process the test kills, then started again in this process */
  let child: ChildProcess | undefined;
  let restarted: RunningClient | undefined;

  async function api(method: 'GET' | 'POST', url: string, body?: unknown): Promise<any> {
    const base = running!.urls[calls++ % running!.urls.length];
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'accept-language': 'en',
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  describe.skipIf(setup.skip)(setup.title, () => {
    let owner: RunningDemo['contract']['clients'][number];
    let broker: RunningDemo['contract']['clients'][number];
    const phone = '13800138000';

    beforeAll(async () => {
      t = tempDir('osw-e2e-push-');
      running = await setup.start(t.dir);
      demo = running.demo;
      owner = demo.contract.clients.find((c) => c.role === 'owner')!;
      broker = demo.contract.clients.find((c) => c.role === 'broker')!;
      const acct = demo.contract.accounts.find((a) => a.enterpriseCode === owner.enterpriseCode)!;
      token = (await api('POST', '/session', { account: acct.account, password: acct.password })).token;
    });
    afterAll(async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await restarted?.stop();
      await running?.close();
      t?.cleanup();
    });

    const card = (kind: 'legal' | 'operator') => {
      const c = demo.contract.cards.find((k) => k.enterpriseCode === owner.enterpriseCode && k.kind === kind)!;
      return { cardNo: c.cardNo, pin: c.pin };
    };

    it('the importer’s InBox receives the declaration data and every receipt; one SMS per receipt', async () => {
      await api('POST', '/subscriptions/declaration', {
        clientId: owner.clientId,
        declarationData: true,
        receiptTypes: ['海关入库', '退单', '审核', '接单', '放行', '结关', '查验通知'],
        card: card('legal'),
      });
      // the demo's embedded SMS provider sends nothing: the code is answered to the operator who asked
      const code = (await api('POST', '/sms/verification-codes', { phone })).sandboxCode as string;
      await api('POST', '/subscriptions/receipt', { pushMethod: 'sms', mode: 'enterprise', phone, verificationCode: code });

      const outBox = broker.businesses.DecCus001.outBox;
      await fs.writeFile(path.join(path.dirname(outBox), 'declaration.xml.partial'), readFileSync(path.join(EXAMPLES, 'declaration.xml')));
      await fs.rename(path.join(path.dirname(outBox), 'declaration.xml.partial'), path.join(outBox, 'declaration.xml'));

      const inBox = owner.businesses.DecCus001.inBox;
      const files = await waitFor(() => {
        const f = filesBelow(inBox);
        return f.filter((x) => x.startsWith('Receipt_')).length === 5 && f.some((x) => x.startsWith('DecData_')) ? f : null;
      }, 'declaration data and five receipts in the importer’s InBox');
      const data = files.find((f) => f.startsWith('DecData_'))!;
      const seqNo = /^DecData_(E\d{17})_\d{21}\.xml$/.exec(data)![1];
      expect(readFileSync(path.join(inBox, data), 'utf8')).toContain('<DecMessage');
      const receipts = files.filter((f) => f.startsWith(`Receipt_${seqNo}_`)).sort();
      expect(receipts.map((f) => parseDecResult(readFileSync(path.join(inBox, f), 'utf8')).channel)).toEqual(['7', 'L', 'J', 'P', 'R']);
      // the importer's client sent nothing: no Successed_ there
      expect(files.some((f) => f.startsWith('Successed_'))).toBe(false);

      const sms = await waitFor(async () => {
        const texts = (await api('GET', '/sms/outbox?pageSize=50')).items
          .map((s: { text: string }) => s.text)
          .filter((x: string) => x.includes(seqNo));
        return texts.length >= 5 ? texts : null;
      }, 'five receipt SMS');
      expect(sms).toHaveLength(5);
      const log = await api('GET', `/pushes?documentNo=${seqNo}&pageSize=50`);
      expect(log.items.filter((p: { method: string }) => p.method === 'client')).toHaveLength(6);
      expect(log.items.filter((p: { method: string }) => p.method === 'sms')).toHaveLength(5);
    });

    it('the importer subscribes to its manual: the stock snapshot arrives, then the approved change; a resend is written again, a redelivery dropped', async () => {
      const manualNo = demo.contract.manuals[0].manualNo;
      await api('POST', '/subscriptions/manual', {
        clientId: owner.clientId,
        kind: 'stock',
        manualNo,
        pushTypes: ['img'],
        imgRange: '1-20',
        card: card('operator'),
      });
      await api('POST', '/subscriptions/manual', { clientId: owner.clientId, kind: 'incremental', manualNo, card: card('operator') });
      const inBox = owner.businesses.Sas.inBox;
      await waitFor(() => filesBelow(inBox).length === 1, 'the stock snapshot in Sas/InBox');
      const approveChange = async (quantity: string) => {
        const change = await api('POST', `/sandbox/manuals/${manualNo}/changes`, {
          items: [{ kind: 'img', action: 'modify', serial: 5, quantity }],
          autoApprove: false,
        });
        await api('POST', `/sandbox/manual-changes/${change.id}/approve`);
      };
      await approveChange('8888');
      const files = await waitFor(() => (filesBelow(inBox).length === 2 ? filesBelow(inBox) : null), 'the change in Sas/InBox');
      const byStamp = files.sort((a, b) => /_(\d{21})\.xml$/.exec(a)![1].localeCompare(/_(\d{21})\.xml$/.exec(b)![1]));
      const [stock, incr] = byStamp.map((f) => parseManualData(readFileSync(path.join(inBox, f), 'utf8')).data);
      expect(stock).toMatchObject({ kind: 'stock', manualNo, version: 1 });
      expect(stock.imgs.map((i) => i.serial)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(stock.exgs).toEqual([]);
      expect(incr).toMatchObject({ kind: 'incremental', version: 2, imgs: [{ serial: 5, mark: '1', fields: { DclQty: '8888' } }] });
      const [stockFile, incrFile] = byStamp;

      // a push is delivered once the client acknowledged it, a moment after its file is in the InBox
      const pushes = await waitFor(async () => {
        const items = (await api('GET', `/pushes?manualNo=${manualNo}`)).items as { id: number; status: string; source: string }[];
        return items.length === 2 && items.every((p) => p.status === 'delivered') ? items : null;
      }, 'both pushes acknowledged');
      expect(pushes.map((p: { status: string }) => p.status)).toEqual(['delivered', 'delivered']);
      const stockPush = pushes.find((p: { source: string }) => p.source === 'manual-stock')!;
      // the client said it wrote it (HTTP: with its acknowledgement; RabbitMQ: in its report after the broker's ack)
      await waitFor(
        async () => ((await api('GET', `/pushes/${stockPush.id}`)) as PushDetail).clientOutcome === 'written',
        'the snapshot recorded as written',
      );

      // the ERP takes the snapshot out of the InBox; a user resends it: it is written again, under a new name
      const stockXml = readFileSync(path.join(inBox, stockFile), 'utf8');
      await fs.rm(path.join(inBox, stockFile));
      expect(await api('POST', '/pushes/resend', { ids: [stockPush.id] })).toMatchObject({ resent: [stockPush.id] });
      const again = await waitFor(() => filesBelow(inBox).find((f) => f !== incrFile), 'the resent snapshot in Sas/InBox');
      expect(again).not.toBe(stockFile);
      expect(again.replace(/_\d{21}\.xml$/, '')).toBe(stockFile.replace(/_\d{21}\.xml$/, ''));
      expect(readFileSync(path.join(inBox, again), 'utf8')).toBe(stockXml);
      const resent = await waitFor(async () => {
        const p = (await api('GET', `/pushes/${stockPush.id}`)) as PushDetail & { resent: boolean };
        return p.resent && p.status === 'delivered' && p.clientOutcome === 'written' ? p : null;
      }, 'the resent push written by the client');
      expect(resent.resendCount).toBe(1);
      expect(resent.attemptLog.filter((a) => a.clientOutcome).map((a) => [a.resend, a.clientOutcome])).toEqual([
        [0, 'written'],
        [1, 'written'],
      ]);
      const ownerClient = demo.clients.find((c) => c.clientId === owner.clientId)!;
      expect(ownerClient.snapshot().received).toMatchObject({ resends: 1, duplicatesDropped: 0 });
      expect(filesBelow(inBox).sort()).toEqual([again, incrFile].sort());

      // the owner's client is killed after writing the next change, before acknowledging it; started again, it
      // gets the same delivery again (no resend marker): dropped by message id, and recorded as dropped
      await ownerClient.stop();
      const lockDir = path.join(t.dir, '.locks');
      child = spawn(process.execPath, [OSW, 'client', 'start', '--config', owner.configFile], {
        env: { ...process.env, OSW_CLIENT_CRASH_AT: 'after-receive', OSW_CLIENT_LOCK_DIR: lockDir },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => child!.once('exit', (_code, signal) => r(signal)));
      await approveChange('9999');
      expect(await exited).toBe('SIGKILL');
      const third = filesBelow(inBox).filter((f) => f !== again && f !== incrFile);
      expect(third).toHaveLength(1);
      restarted = await startClient(JSON.parse(readFileSync(owner.configFile, 'utf8')) as ClientConfigInput, { logger, lockDir });
      const dropped = await waitFor(async () => {
        const items = (await api('GET', `/pushes?manualNo=${manualNo}`)).items as { id: number; clientOutcome: string | null }[];
        const newest = items.reduce((a, b) => (b.id > a.id ? b : a));
        return items.length === 3 && newest.clientOutcome === 'dropped' ? newest : null;
      }, 'the redelivery dropped and recorded');
      const log = (await api('GET', `/pushes/${dropped.id}`)) as PushDetail;
      expect(log).toMatchObject({ status: 'delivered', source: 'manual-change', resendCount: 0 });
      expect(log.attemptLog.filter((a) => a.clientOutcome).map((a) => [a.resend, a.clientOutcome])).toEqual([[0, 'dropped']]);
      expect(restarted.snapshot().received).toMatchObject({ files: 0, duplicatesDropped: 1 });
      expect(filesBelow(inBox).sort()).toEqual([again, incrFile, third[0]].sort());
      expect(parseManualData(readFileSync(path.join(inBox, third[0]), 'utf8')).data).toMatchObject({ version: 3 });
    }, 180_000); // a client process started, killed and started again
  });
}
