/**
 * `osw demo --store postgres://… --exchange amqp://…`: the all-in-one demo on the scale parts, with
 * a fresh PostgreSQL database and a vhost of its own on the test broker. demo.json lists each
 * client's broker user, password and queues; a declaration dropped into the broker client's OutBox
 * goes over RabbitMQ and comes back as Successed_ and the five receipts.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDecImportResponse, parseDecResult } from '@osw/messages';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { EXAMPLES, filesBelow, tempDir, waitFor } from '../helpers.js';
import { AMQP_URL, createPostgresDatabase, PG_URL, testVhost, type TestDatabase } from '../support/engines.js';

const logger = pino({ level: 'silent' });

describe.skipIf(!AMQP_URL || !PG_URL)('demo on PostgreSQL and RabbitMQ', () => {
  const t = tempDir('osw-demo-scale-');
  const vh = testVhost();
  let db: TestDatabase;
  let demo: RunningDemo | undefined;
  const home = path.join(t.dir, 'home');
  const brokerUsers = () => (demo?.contract.clients ?? []).map((c) => c.broker?.user).filter((u): u is string => !!u);
  let users: string[] = [];

  beforeAll(async () => {
    db = await createPostgresDatabase();
    demo = await startDemo({ home, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100, store: db.location, exchange: vh.url });
    users = brokerUsers();
  });

  afterAll(async () => {
    await demo?.close();
    await vh.drop(users);
    await db?.drop();
    t.cleanup();
  });

  it("lists each client's broker user, password and queues in demo.json, and not the platform's login", async () => {
    const text = readFileSync(path.join(home, 'demo.json'), 'utf8');
    const c = JSON.parse(text);
    expect(c.exchange).toBe('amqp');
    const plain = new URL(vh.url);
    expect(c.brokerUrl).toBe(`amqp://${plain.host}/${vh.vhost}`);
    expect(c.store).toBe(new URL(db.location).toString().replace(/:[^:@/]+@/, ':***@'));
    if (plain.password) expect(text).not.toContain(`:${plain.password}@`);
    expect(c.clients).toHaveLength(2);
    for (const cl of c.clients) {
      const digits = cl.clientId.replace('DXPESW', '');
      expect(cl.broker).toEqual({
        url: c.brokerUrl,
        user: `${vh.vhost}.U_SW${digits}`, // the demo names its broker users after its vhost
        password: expect.stringMatching(/.{16,}/),
        exchange: `E_${cl.clientId}`,
        sendQueue: `Q_Send${cl.clientId}`,
        receiveQueue: `Q_Recv${cl.clientId}`,
      });
      const config = JSON.parse(readFileSync(cl.configFile, 'utf8'));
      expect(config.platform).toEqual({ url: c.brokerUrl, secret: cl.broker.password, brokerUser: cl.broker.user });
      // the listed login works: the client's broker user may read its own receive queue
      const u = new URL(c.brokerUrl);
      u.username = cl.broker.user;
      u.password = cl.broker.password;
      const conn = await amqp.connect(u.toString());
      try {
        const ch = await conn.createChannel();
        expect((await ch.checkQueue(cl.broker.receiveQueue)).queue).toBe(cl.broker.receiveQueue);
        await ch.close();
      } finally {
        await conn.close();
      }
    }
  });

  it('a declaration makes the round trip over RabbitMQ with the data in PostgreSQL', async () => {
    const d = demo!;
    const dec = d.contract.clients.find((c) => c.role === 'broker')!.businesses.DecCus001;
    const staged = path.join(path.dirname(dec.outBox), 'declaration.xml.partial');
    await fs.writeFile(staged, readFileSync(path.join(EXAMPLES, 'declaration.xml')));
    await fs.rename(staged, path.join(dec.outBox, 'declaration.xml'));

    const ok = await waitFor(() => filesBelow(dec.inBox).find((f) => /^Successed_declaration_\d{21}\.xml$/.test(f)), 'Successed_', 60_000);
    const resp = parseDecImportResponse(readFileSync(path.join(dec.inBox, ok), 'utf8'));
    expect(resp.responseCode).toBe('0');
    const seqNo = resp.seqNo!;
    expect(seqNo).toMatch(/^E\d{17}$/);
    const receipts = await waitFor(
      () => {
        const r = filesBelow(dec.inBox).filter((f) => f.startsWith(`Receipt_${seqNo}_`));
        return r.length === 5 ? r : null;
      },
      'five receipts',
      60_000,
    );
    expect(receipts.sort().map((f) => parseDecResult(readFileSync(path.join(dec.inBox, f), 'utf8')).channel)).toEqual([
      '7',
      'L',
      'J',
      'P',
      'R',
    ]);
    await waitFor(() => filesBelow(dec.sentBox).some((f) => /declaration_\d{21}\.xml$/.test(f)), 'the declaration in SentBox');

    // it went through RabbitMQ and the declaration lives in PostgreSQL
    expect(d.platform.amqp!.stats.imported).toBeGreaterThanOrEqual(1);
    expect(d.platform.amqp!.stats.forwarded).toBeGreaterThanOrEqual(5);
    const reopened = await db.open();
    try {
      expect((await reopened.store.declarations.get(seqNo))?.seqNo).toBe(seqNo);
    } finally {
      await reopened.close();
    }
  });

  it('restarts on the same home and database, and refuses to switch the home to the HTTP exchange', async () => {
    const first = demo!.contract;
    await demo!.close();
    demo = undefined;
    await expect(startDemo({ home, port: 0, paceMs: 0, logger, store: db.location })).rejects.toThrow(/was set up with RabbitMQ/);
    demo = await startDemo({ home, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100, store: db.location, exchange: vh.url });
    expect(demo.contract.clients.map((c) => c.broker)).toEqual(first.clients.map((c) => c.broker));
    expect(existsSync(path.join(home, 'platform.db'))).toBe(false);
  });
});
