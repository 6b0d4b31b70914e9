/**
 * Tracing costs no SQL: the same work — a batch of declarations imported, the sandbox's receipts,
 * the pushes to a subscriber, the clients' deliveries taken — runs the same statements with tracing
 * on as with it off (the trace context rides in the inserts and reads made anyway, one per set), and
 * with it off makes no span at all.
 */
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { keyFingerprint, openCardKey, signDecMessage } from '@osw/messages';
import { formatTraceparent } from '@osw/messages/exchange';
import { EXAMPLES, tempDir, withClientSeqNo } from '../../../test/helpers.js';
import { sqliteCapabilities } from '../src/adapters/kysely/capabilities.js';
import { migrateToLatest } from '../src/adapters/kysely/migrations.js';
import type { Database as Schema } from '../src/adapters/kysely/schema.js';
import { SecretBox } from '../src/adapters/kysely/secret-box.js';
import { KyselyStore } from '../src/adapters/kysely/store.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { FeedAppPush } from '../src/adapters/push/feed.js';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { openTracing } from '@osw/messages/otel';
import { registerClient } from '../src/core/clients/registry.js';
import { importBatch } from '../src/core/exchange/import-batch.js';
import { takeDeliveries } from '../src/core/exchange/outbound.js';
import { createEnterprise, issueCard } from '../src/core/identity/registry.js';
import { silentLogger, type PlatformDeps, type Tracing } from '../src/core/ports.js';
import { PushEngine } from '../src/core/push/engine.js';
import { CustomsSandbox } from '../src/core/sandbox/customs.js';
import { startSandboxWorker } from '../src/core/sandbox/worker.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
const t = tempDir('osw-tracing-sql-');
afterAll(() => t.cleanup());

/** The statements each step ran, on a fresh SQLite store, with or without tracing. */
async function run(name: string, tracing: Tracing | undefined, files: number): Promise<Record<string, number>> {
  let statements = 0;
  const sqlite = new Database(path.join(t.dir, `${name}.db`), { verbose: () => void statements++ });
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] });
  await migrateToLatest(db, sqliteCapabilities);
  const store = new KyselyStore(db, sqliteCapabilities, new SecretBox());
  const start = new Date('2026-11-21T02:00:00.000Z');
  const deps: PlatformDeps = {
    store,
    clock: { now: () => start },
    logger: silentLogger,
    notifier: new InProcessNotifier(),
    ...(tracing ? { tracing } : {}),
  };
  try {
    await createEnterprise(deps, { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '报关行', region: '5300' });
    await createEnterprise(deps, { customsCode: '4403960002', uscc: '91440300MA5F8K3L7P', name: '收发货人', region: '5300' });
    const card = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
    const key = await openCardKey(card, '12345678');
    const broker = await registerClient(deps, { enterpriseCode: '4403980001', region: '5300', transport: 'http', environment: 'test' });
    const owner = await registerClient(deps, { enterpriseCode: '4403960002', region: '5300', transport: 'http', environment: 'test' });
    // the consignee's client subscribes to every receipt of its declarations
    await store.receiptSubscriptions.insert({
      enterpriseCode: '4403960002',
      pushMethod: 'client',
      mode: 'enterprise',
      documentNo: null,
      seqNo: null,
      phone: null,
      clientId: owner.clientId,
      operatorCardNo: null,
      operatorAccount: 'owner01',
      operatorCode: 'QH0031',
      receiptTypes: null,
      channels: null,
      validUntil: null,
      expiresAt: null,
      cancelledAt: null,
      createdAt: start.toISOString(),
    });
    const client = (await store.clients.get(broker.clientId))!;
    const entries = Array.from({ length: files }, (_, i) => ({
      client,
      messageId: `${broker.clientId}T${String(i).padStart(12, '0')}`,
      fileName: `dec-${i}.xml`,
      business: 'declaration',
      body: Buffer.from(
        signDecMessage(withClientSeqNo(example), {
          privateKey: key,
          cardNo: card.cardNo,
          certificate: keyFingerprint(card.publicKeyPem),
          signDate: '20261121100000000',
        }),
      ),
      // what a client with tracing on sends (the platform reads it only with tracing on)
      traceparent: formatTraceparent({
        traceId: crypto.randomBytes(16).toString('hex'),
        spanId: crypto.randomBytes(8).toString('hex'),
        sampled: true,
      }),
    }));
    const sandbox = new CustomsSandbox({ paceMs: 0, manualApprovalMs: 3_600_000 });
    const counts: Record<string, number> = {};
    const step = async (what: string, work: () => Promise<unknown>) => {
      const before = statements;
      await work();
      counts[what] = statements - before;
    };
    await step('import', async () => {
      const outcomes = await importBatch(deps, sandbox, entries);
      expect(outcomes.every((o) => o.ok && o.accepted)).toBe(true);
    });
    await step('sandbox', async () => {
      const worker = startSandboxWorker(deps, sandbox, { tickMs: 3_600_000 });
      while (await worker.runDue());
      await worker.stop();
    });
    await step('push', async () => {
      const engine = new PushEngine(deps, { sms: new OutboxSmsSender(deps), app: new FeedAppPush(deps), webhook: new HttpWebhookPort() });
      expect((await engine.runOnce()).queued).toBeGreaterThanOrEqual(files);
    });
    await step('take', async () => {
      expect((await takeDeliveries(deps, broker.clientId, 500)).length).toBeGreaterThanOrEqual(files);
      expect((await takeDeliveries(deps, owner.clientId, 500)).length).toBeGreaterThanOrEqual(files);
    });
    return counts;
  } finally {
    await db.destroy();
  }
}

describe('tracing and the store', () => {
  it('the same statements with tracing on as off, for a batch of 20 as one set; off, no span is made', async () => {
    const exporter = new InMemorySpanExporter();
    const opened = openTracing({ serviceName: 'osw-platform', sampleRatio: 1 }, exporter)!;
    const off = await run('off', undefined, 20);
    expect(exporter.getFinishedSpans()).toEqual([]);
    const on = await run('on', opened.tracing, 20);
    expect(on).toEqual(off);
    // and the spans are there: one import per file, a job per receipt, a push per receipt to the subscriber
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names.filter((n) => n === 'osw.exchange.import')).toHaveLength(20);
    expect(names.filter((n) => n === 'osw.sandbox.job').length).toBeGreaterThanOrEqual(20);
    expect(names.filter((n) => n === 'osw.push.queue').length).toBeGreaterThanOrEqual(20);
    await opened.shutdown();
  }, 120_000);
});
