/**
 * Metrics as an operator scrapes them: the demo's platform at `/metrics` with its bearer token (and
 * refused without it), each client at `<status page>/metrics`, after one declaration's round trip.
 */
import { promises as fs, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { AmqpTransport } from '../../packages/client/src/adapters/amqp/transport.js';
import { subscribeImporter } from '../support/demo-subscribe.js';
import { AMQP_URL, createPostgresDatabase, PG_URL, testVhost, type TestDatabase } from '../support/engines.js';

const logger = pino({ level: 'silent' });

/** The value of one sample of a Prometheus text (`name{labels}`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics', () => {
  let t: ReturnType<typeof tempDir>;
  let demo: RunningDemo;

  beforeAll(async () => {
    t = tempDir('osw-metrics-');
    demo = await startDemo({ home: t.dir, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100 });
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    await subscribeImporter(demo);
    const dec = broker.businesses.DecCus001;
    await fs.writeFile(path.join(dec.outBox, 'declaration.xml'), withClientSeqNo(readFileSync(path.join(EXAMPLES, 'declaration.xml'))));
    // Successed_ and the five receipts 7 → L → J → P → R (the deliveries), then the file in SentBox
    await waitFor(() => filesBelow(dec.inBox).length >= 6 && filesBelow(dec.sentBox).length === 1, 'the round trip', 60_000);
    // and the importer's DecData_ and five receipts, pushed to it
    await waitFor(() => filesBelow(owner.businesses.DecCus001.inBox).length >= 6, 'the pushes', 60_000);
  });
  afterAll(async () => {
    await demo?.close();
    t?.cleanup();
  });

  const scrape = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('the platform answers /metrics only to its scraper token', async () => {
    const { url, token } = demo.contract.metrics;
    expect(token.length).toBeGreaterThanOrEqual(16);
    const demoJson = JSON.parse(readFileSync(path.join(t.dir, 'demo.json'), 'utf8'));
    expect(demoJson.metrics).toEqual({ url, token });
    for (const res of [await scrape(url), await scrape(url, token + 'x'), await scrape(url, 'not-the-token-at-all')]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('OSW_AUTH_REQUIRED');
    }
  });

  it("the platform counts the import, the pushes, their delivery and each client's backlog", async () => {
    const { url, token } = demo.contract.metrics;
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    // the last receipt's acknowledgement may land a moment after its file
    const text = await waitFor(async () => {
      const res = await scrape(url, token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await res.text();
      return (sample(body, 'osw_delivery_seconds_count', { channel: 'client' }) ?? 0) >= 11 ? body : null;
    }, "the broker's five receipts and the importer's six pushes counted as delivered");
    expect(sample(text, 'osw_messages_imported_total', { family: 'declaration', result: 'accepted' })).toBe(1);
    expect(sample(text, 'osw_messages_imported_total', { family: 'declaration', result: 'refused' })).toBeUndefined();
    expect(sample(text, 'osw_pushes_total', { channel: 'client', outcome: 'queued' })).toBe(6);
    expect(sample(text, 'osw_delivery_seconds_bucket', { channel: 'client', le: '+Inf' })).toBe(11);
    expect(text).toMatch(/# TYPE osw_client_backlog gauge/);
    expect(sample(text, 'osw_client_backlog', { client_id: broker.clientId }) ?? 0).toBe(0);
    expect(text).toMatch(/# TYPE osw_push_targets_suspended gauge/);
    expect(sample(text, 'osw_platform_process_cpu_seconds_total')).toBeGreaterThan(0);
    // SQLite has no pool, the HTTP exchange no broker connection
    expect(text).not.toMatch(/osw_store_pool_connections|osw_broker_connected|osw_dead_letters/);
  });

  it('a refused declaration is counted as refused', async () => {
    const { url, token } = demo.contract.metrics;
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const dec = broker.businesses.DecCus001;
    const bad = withClientSeqNo(readFileSync(path.join(EXAMPLES, 'declaration.xml')))
      .toString('utf8')
      .replace(/<TradeCurr>[^<]*</, '<TradeCurr>XYZ<');
    await fs.writeFile(path.join(dec.outBox, 'bad.xml'), bad);
    const text = await waitFor(async () => {
      const body = await (await scrape(url, token)).text();
      return sample(body, 'osw_messages_imported_total', { family: 'declaration', result: 'refused' }) === 1 ? body : null;
    }, 'the refusal counted');
    expect(sample(text, 'osw_messages_imported_total', { family: 'declaration', result: 'accepted' })).toBe(1);
  });

  it("each client's status page has its own /metrics", async () => {
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    const res = await fetch(`${broker.statusUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'osw_client_files_sent_total', { business: 'DecCus001' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'osw_client_send_seconds_count', { business: 'DecCus001' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'osw_client_received_files_total')).toBeGreaterThanOrEqual(5);
    expect(sample(text, 'osw_client_connection_up')).toBe(1);
    expect(sample(text, 'osw_client_card_ready')).toBe(1);
    expect(sample(text, 'osw_client_outbox_backlog', { business: 'DecCus001' })).toBe(0);
    // the page's host check guards it as it guards the page
    const rebound = await new Promise<number>((resolve, reject) =>
      http
        .get(`${owner.statusUrl}/metrics`, { headers: { host: 'evil.example' } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
        .on('error', reject),
    );
    expect(rebound).toBe(421);
  });

  it('the Grafana dashboard in docs/ asks only for metrics that exist', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(EXAMPLES, '..', 'docs', 'grafana', 'osw-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((x) => x.expr));
    const asked = new Set(exprs.flatMap((e) => e.match(/osw_\w+/g) ?? []));
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const texts =
      (await (await scrape(demo.contract.metrics.url, demo.contract.metrics.token)).text()) +
      (await (await fetch(`${broker.statusUrl}/metrics`)).text());
    // these exist with PostgreSQL and the RabbitMQ exchange only
    const engineBound = new Set(['osw_dead_letters', 'osw_broker_connected', 'osw_store_pool_connections']);
    // declared here, with samples once a message was refused (before import, or by the client into FailBox),
    // while a client has a backlog or while a target is suspended
    const declaredOnly = new Set([
      'osw_messages_rejected_total',
      'osw_client_backlog',
      'osw_push_targets_suspended',
      'osw_client_files_failed_total',
    ]);
    for (const name of asked) {
      if (engineBound.has(name)) continue;
      expect(texts, name).toMatch(new RegExp(`^# TYPE ${name.replace(/_(bucket|count|sum)$/, '')} `, 'm'));
      if (!declaredOnly.has(name)) expect(texts, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
    expect(asked.size).toBeGreaterThanOrEqual(10);
  });
});

describe.skipIf(!AMQP_URL || !PG_URL)('metrics on PostgreSQL and RabbitMQ', () => {
  const t = tempDir('osw-metrics-scale-');
  const vh = testVhost();
  let db: TestDatabase;
  let demo: RunningDemo | undefined;
  let users: string[] = [];

  beforeAll(async () => {
    db = await createPostgresDatabase();
    demo = await startDemo({ home: t.dir, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100, store: db.location, exchange: vh.url });
    users = demo.contract.clients.map((c) => c.broker?.user).filter((u): u is string => !!u);
  });
  afterAll(async () => {
    await demo?.close();
    await vh.drop(users);
    await db?.drop();
    t.cleanup();
  });

  const scrape = async () => {
    const res = await fetch(demo!.contract.metrics.url, { headers: { authorization: `Bearer ${demo!.contract.metrics.token}` } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('the PostgreSQL pool: open, idle and waiting connections', async () => {
    const text = await scrape();
    expect(text).toMatch(/# TYPE osw_store_pool_connections gauge/);
    const open = sample(text, 'osw_store_pool_connections', { state: 'open' });
    const idle = sample(text, 'osw_store_pool_connections', { state: 'idle' });
    const waiting = sample(text, 'osw_store_pool_connections', { state: 'waiting' });
    for (const v of [open, idle, waiting]) expect(Number.isFinite(v)).toBe(true);
    expect(open).toBeGreaterThanOrEqual(1);
    expect(idle).toBeLessThanOrEqual(open!);
    expect(waiting).toBeGreaterThanOrEqual(0);
  });

  it('the broker connection: 1 while up, 0 once the broker closes it, 1 again after the reconnect', { timeout: 45_000 }, async () => {
    expect(sample(await scrape(), 'osw_broker_connected')).toBe(1);
    expect(sample(await scrape(), 'osw_dead_letters')).toBe(0);
    const mgmt = demo!.platform.amqp!.management;
    const mine = await waitFor(
      async () => {
        const list = (await mgmt.connections()).filter(
          (c) => c.vhost === vh.vhost && c.user_provided_name === `osw-platform-${process.pid}`,
        );
        return list.length ? list : null;
      },
      "the platform's connection listed by the management API",
      30_000,
      200,
    );
    await Promise.all(mine.map((c) => mgmt.closeConnection(c.name, 'test: dropped connection')));
    await waitFor(async () => sample(await scrape(), 'osw_broker_connected') === 0, 'osw_broker_connected 0 after the drop', 10_000, 10);
    await waitFor(
      async () => sample(await scrape(), 'osw_broker_connected') === 1,
      'osw_broker_connected 1 after the reconnect',
      30_000,
      100,
    );
  });

  it('osw_dead_letters rises once a message whose import keeps failing is dead-lettered', { timeout: 45_000 }, async () => {
    expect(sample(await scrape(), 'osw_dead_letters')).toBe(0);
    const c = demo!.contract.clients.find((x) => x.role === 'broker')!;
    // the store fails every import for a while: the message is requeued until its delivery limit
    const store = demo!.platform.deps.store as { transaction: (...a: unknown[]) => Promise<unknown> };
    const real = store.transaction;
    store.transaction = async () => {
      throw new Error('scripted store failure');
    };
    const tr = new AmqpTransport({
      url: c.broker!.url,
      clientId: c.clientId,
      user: c.broker!.user,
      password: c.broker!.password,
      sendTimeoutMs: 1_500,
    });
    try {
      await tr
        .send({ messageId: `${c.clientId}POISON000001`, fileName: 'poison.xml', business: 'declaration', body: Buffer.from('<x/>') })
        .catch(() => undefined);
      await waitFor(async () => (sample(await scrape(), 'osw_dead_letters') ?? 0) >= 1, 'the poison message counted as dead', 30_000, 200);
    } finally {
      store.transaction = real;
      await tr.close();
    }
  });
});
