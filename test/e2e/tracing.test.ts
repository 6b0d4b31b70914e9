/**
 * Tracing (OpenTelemetry) end to end, with an in-memory exporter in the place of an OTLP collector:
 * the demo (platform, sandbox and both clients in one process) with tracing on, the importer
 * subscribed to declaration data and receipts. Files dropped into the broker's OutBox at once — sent
 * in one batch, over HTTP or RabbitMQ — each make one trace of their own: the client's send, the
 * platform's import, the sandbox's answers, the pushes to the subscriber, and the InBox writes of
 * both clients. With tracing off in the client no traceparent reaches the platform, and with it off
 * in the platform none is stored or handed to the clients.
 */
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClientConfig, startClient, type RunningClient } from '@osw/client';
import { loadPlatformConfig } from '../../packages/cli/src/platform-commands.js';
import Database from 'better-sqlite3';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { subscribeImporter } from '../support/demo-subscribe.js';
import { AMQP_URL, testVhost } from '../support/engines.js';
import { platformWorld, type World } from '../support/platform-world.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));
const logger = pino({ level: 'silent' });

const attr = (s: ReadableSpan, key: string) => s.attributes[key];
const traceOf = (s: ReadableSpan) => s.spanContext().traceId;

interface Setup {
  title: string;
  skip: boolean;
  exchange?: () => { url: string; drop(users: string[]): Promise<void> };
}

const setups: Setup[] = [
  { title: 'over the HTTP exchange', skip: false },
  { title: 'over RabbitMQ', skip: !AMQP_URL, exchange: () => testVhost() },
];

for (const setup of setups)
  describe.skipIf(setup.skip)(`one file's journey is one trace ${setup.title}`, () => {
    const exporter = new InMemorySpanExporter();
    let t: ReturnType<typeof tempDir>;
    let demo: RunningDemo;
    let vhost: ReturnType<NonNullable<Setup['exchange']>> | undefined;

    beforeAll(async () => {
      t = tempDir('osw-e2e-tracing-');
      vhost = setup.exchange?.();
      demo = await startDemo({
        home: t.dir,
        port: 0,
        paceMs: 0,
        logger,
        stableMs: 100,
        rescanMs: 100,
        spanExporter: exporter,
        ...(vhost ? { exchange: vhost.url } : {}),
      });
      await subscribeImporter(demo);
    });
    afterAll(async () => {
      await demo?.close();
      if (vhost) await vhost.drop(demo.contract.clients.map((c) => c.broker?.user).filter((u): u is string => !!u));
      t?.cleanup();
    });

    it('each file dropped in OutBox yields spans sharing one trace id: send, import, sandbox, push and both InBox writes', async () => {
      const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
      const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
      const outBox = broker.businesses.DecCus001.outBox;
      const names = ['trace-a.xml', 'trace-b.xml', 'trace-c.xml'];
      // written beside OutBox, then moved in together: the client claims and sends them as one batch
      for (const name of names) await fs.writeFile(path.join(t.dir, name), withClientSeqNo(example));
      for (const name of names) await fs.rename(path.join(t.dir, name), path.join(outBox, name));

      const spans = () => exporter.getFinishedSpans();
      const sendOf = (name: string) => spans().find((s) => s.name === 'osw.client.send' && attr(s, 'osw.file') === name);
      /** a trace's InBox writes: the sender's own receipts (children of the jobs), the subscriber's pushes (children of the pushes) */
      const inBoxWrites = (mine: ReadableSpan[]) => {
        const ids = (n: string) => new Set(mine.filter((s) => s.name === n).map((s) => s.spanContext().spanId));
        const [jobIds, pushIds] = [ids('osw.sandbox.job'), ids('osw.push.queue')];
        const writes = mine.filter((s) => s.name === 'osw.client.inbox.write');
        const parent = (w: ReadableSpan) => w.parentSpanContext?.spanId ?? '';
        return { writes, own: writes.filter((w) => jobIds.has(parent(w))), pushed: writes.filter((w) => pushIds.has(parent(w))) };
      };
      const files = (ws: ReadableSpan[]) => ws.map((w) => String(attr(w, 'osw.file')));
      await waitFor(
        () =>
          names.every((name) => {
            const send = sendOf(name);
            if (!send) return false;
            const { own, pushed } = inBoxWrites(spans().filter((s) => traceOf(s) === traceOf(send)));
            return (
              own.length >= 4 &&
              files(pushed).some((f) => f.startsWith('DecData_')) &&
              files(pushed).filter((f) => f.startsWith('Receipt_')).length >= 3
            );
          }),
        'every file’s trace to reach both InBoxes: the sender’s receipts, the importer’s declaration data and receipts',
        30_000,
      );

      const traces = new Set<string>();
      for (const name of names) {
        const send = sendOf(name)!;
        traces.add(traceOf(send));
        const mine = spans().filter((s) => traceOf(s) === traceOf(send));
        const named = (n: string) => mine.filter((s) => s.name === n);
        // the import is the child of the client's send: the message carried its own traceparent, in the batch too
        const [imported] = named('osw.exchange.import');
        expect(imported.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
        expect(attr(imported, 'osw.file')).toBe(name);
        expect(attr(imported, 'osw.accepted')).toBe(true);
        // the sandbox's answers continue the import's trace, from the job rows
        const jobs = named('osw.sandbox.job');
        expect(jobs.length).toBeGreaterThanOrEqual(4);
        for (const j of jobs) expect(j.parentSpanContext?.spanId).toBe(imported.spanContext().spanId);
        // pushes to the subscriber: the declaration data (raised by the import) and the receipts (raised by the jobs)
        const pushes = named('osw.push.queue');
        expect(pushes.map((p) => attr(p, 'osw.push.source'))).toContain('declaration-data');
        expect(pushes.map((p) => attr(p, 'osw.push.source'))).toContain('declaration-receipt');
        const parents = new Set([imported, ...jobs].map((s) => s.spanContext().spanId));
        for (const p of pushes) expect(parents.has(p.parentSpanContext!.spanId)).toBe(true);
        // the InBox writes: the sender's own receipts (children of the jobs) and the subscriber's pushes (children of the pushes)
        const { writes, own, pushed } = inBoxWrites(mine);
        expect(own.length).toBeGreaterThanOrEqual(4);
        expect(files(pushed).some((f) => f.startsWith('DecData_'))).toBe(true);
        expect(own.length + pushed.length).toBe(writes.length);
        // and those are the files in the InBoxes
        const inBoxes = [...filesBelow(broker.businesses.DecCus001.inBox), ...filesBelow(owner.businesses.DecCus001.inBox)];
        for (const w of writes) expect(inBoxes).toContain(String(attr(w, 'osw.file')));
      }
      // one trace per file, not one per batch: the files went together, each with its own context
      expect(traces.size).toBe(names.length);
      const batched = spans().filter((s) => s.name === 'osw.exchange.import' && names.includes(String(attr(s, 'osw.file'))));
      expect(Math.max(...batched.map((s) => Number(attr(s, 'osw.batch_size'))))).toBeGreaterThan(1);
    });

    it('a file sent alone carries its traceparent in the message’s header: its import is the child of its send', async () => {
      const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
      await fs.writeFile(path.join(t.dir, 'alone.xml'), withClientSeqNo(example));
      await fs.rename(path.join(t.dir, 'alone.xml'), path.join(broker.businesses.DecCus001.outBox, 'alone.xml'));
      const spans = () => exporter.getFinishedSpans();
      const send = await waitFor(
        () => spans().find((s) => s.name === 'osw.client.send' && attr(s, 'osw.file') === 'alone.xml'),
        'the send span',
      );
      const imported = await waitFor(
        () => spans().find((s) => s.name === 'osw.exchange.import' && attr(s, 'osw.file') === 'alone.xml'),
        'the import span',
      );
      expect(attr(imported, 'osw.batch_size')).toBe(1);
      expect(traceOf(imported)).toBe(traceOf(send));
      expect(imported.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    });
  });

describe('with tracing off', () => {
  let t: ReturnType<typeof tempDir>;
  let world: World;
  let client: RunningClient | undefined;
  const exporter = new InMemorySpanExporter();
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

  beforeAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    t = tempDir('osw-e2e-tracing-off-');
    world = await platformWorld(t.dir, { paceMs: 0, spanExporter: exporter });
  });
  afterAll(async () => {
    await client?.stop();
    await world?.stop();
    t?.cleanup();
    if (saved !== undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
  });

  it('a client without tracing sends no traceparent: the platform’s import starts a trace of its own', async () => {
    client = await startClient(world.config(), { logger, lockDir: path.join(t.dir, '.locks') });
    const dec = client.businesses.find((b) => b.type === 'declaration')!;
    const names = ['off-a.xml', 'off-b.xml'];
    for (const name of names) await fs.writeFile(path.join(t.dir, name), withClientSeqNo(example));
    for (const name of names) await fs.rename(path.join(t.dir, name), path.join(dec.root, 'OutBox', name));
    await waitFor(
      () => filesBelow(path.join(dec.root, 'InBox')).filter((f) => f.startsWith('Successed_')).length === names.length,
      'both files answered',
    );
    const imports = await waitFor(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === 'osw.exchange.import');
      return found.length === names.length && found;
    }, 'the platform’s import spans');
    // no remote parent: nothing came with the messages
    for (const s of imports) expect(s.parentSpanContext).toBeUndefined();
    expect(exporter.getFinishedSpans().filter((s) => s.name.startsWith('osw.client.'))).toEqual([]);
  });

  it('a platform without tracing stores no trace context and hands none to its clients', async () => {
    const plain = await platformWorld(path.join(t.dir, 'plain'), { paceMs: 0 });
    const clientSpans = new InMemorySpanExporter();
    try {
      const c = await startClient(plain.config({}, 'plain-client'), {
        logger,
        lockDir: path.join(t.dir, '.locks-plain'),
        spanExporter: clientSpans,
      });
      try {
        const dec = c.businesses.find((b) => b.type === 'declaration')!;
        await fs.writeFile(path.join(dec.root, 'OutBox', 'plain.xml'), withClientSeqNo(example));
        await waitFor(() => filesBelow(path.join(dec.root, 'InBox')).some((f) => f.startsWith('Receipt_')), 'a receipt in the InBox');
        // the rows the work goes on from later hold no trace context
        const db = new Database(plain.dbFile, { readonly: true });
        try {
          for (const table of ['sandbox_jobs', 'deliveries']) {
            const n = db.prepare(`select count(*) as n, count(traceparent) as traced from ${table}`).get() as { n: number; traced: number };
            expect(n.n).toBeGreaterThan(0);
            expect(n.traced).toBe(0);
          }
        } finally {
          db.close();
        }
        // the client traced its send; the receipt came without a trace context, so its InBox write is a trace of its own
        const send = await waitFor(() => clientSpans.getFinishedSpans().find((s) => s.name === 'osw.client.send'), 'the send span');
        const writes = await waitFor(() => {
          const w = clientSpans.getFinishedSpans().filter((s) => s.name === 'osw.client.inbox.write');
          return w.length > 0 && w;
        }, 'an InBox write span');
        for (const w of writes) {
          expect(w.parentSpanContext).toBeUndefined();
          expect(traceOf(w)).not.toBe(traceOf(send));
        }
      } finally {
        await c.stop();
      }
    } finally {
      await plain.stop();
    }
  });
});

describe('tracing configuration', () => {
  const t = tempDir('osw-tracing-config-');
  afterAll(() => t.cleanup());

  it('is off by default; the file sets it, OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME override it; a bad value is refused', () => {
    const file = path.join(t.dir, 'platform.yaml');
    writeFileSync(file, 'store: p.db\n');
    expect(loadPlatformConfig(file, {}).tracing).toEqual({ serviceName: 'osw-platform', sampleRatio: 1 });
    writeFileSync(file, 'store: p.db\ntracing:\n  otlpEndpoint: http://collector:4318\n  sampleRatio: 0.25\n');
    expect(loadPlatformConfig(file, {}).tracing).toEqual({
      otlpEndpoint: 'http://collector:4318',
      serviceName: 'osw-platform',
      sampleRatio: 0.25,
    });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_SERVICE_NAME: 'sw-api-1' };
    expect(loadPlatformConfig(file, env).tracing).toEqual({ otlpEndpoint: 'http://otel:4318', serviceName: 'sw-api-1', sampleRatio: 0.25 });
    writeFileSync(file, 'store: p.db\ntracing:\n  otlpEndpoint: collector\n  sampleRatio: 2\n');
    expect(() => loadPlatformConfig(file, {})).toThrow(/tracing\.otlpEndpoint[\s\S]*tracing\.sampleRatio/);

    const clientFile = path.join(t.dir, 'osw-client.yaml');
    writeFileSync(
      clientFile,
      'clientId: DXPESW5300000001\nplatform:\n  url: http://127.0.0.1:8080\n  secret: s\nimpPath: ImpPath\ntracing:\n  sampleRatio: 0.5\n',
    );
    expect(loadClientConfig(clientFile, {}).tracing).toEqual({ serviceName: 'osw-client', sampleRatio: 0.5 });
    expect(loadClientConfig(clientFile, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' }).tracing).toEqual({
      otlpEndpoint: 'http://otel:4318',
      serviceName: 'osw-client',
      sampleRatio: 0.5,
    });
  });
});
