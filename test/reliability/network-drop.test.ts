/**
 * The network to the broker drops while the import client sends over RabbitMQ and receipts come
 * back: a TCP proxy between the client and the broker stops forwarding (packets vanish, sockets stay
 * open, new connections hang) for 30 s in the long form (3 s in CI), then its sockets are killed
 * and it forwards again. The client recovers by itself: every file is in SentBox once with one
 * `Successed_`, each declaration was accepted once, every receipt is in the InBox once.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClient } from '@osw/client';
import { createEnterprise, issueCard, registerClient, startPlatform, type RunningPlatform } from '@osw/platform';
import { brokerNames } from '@osw/messages/exchange';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { AMQP_URL, randomRegion, testVhost } from '../support/engines.js';
import { silent } from '../support/platform-world.js';
import { clientBrokerUrl, startAmqpClient } from '../support/scale-world.js';
import { FULL, record } from './report.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));
const FILES = FULL ? 1000 : 120;
const OUTAGE_MS = FULL ? 30_000 : 3_000;
const RECEIPTS = 5;

/** A TCP proxy that can black-hole its traffic: nothing forwarded, sockets kept open, new connections accepted and left silent. */
export class BlackholeProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<{ down: net.Socket; up: net.Socket | null }>();
  private dark = false;
  connections = 0;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((down) => {
      const pair: { down: net.Socket; up: net.Socket | null } = { down, up: null };
      this.pairs.add(pair);
      const end = () => {
        down.destroy();
        pair.up?.destroy();
        this.pairs.delete(pair);
      };
      down.on('error', end).on('close', end);
      if (this.dark) return; // the handshake never gets through
      this.connections++;
      const up = net.connect(this.targetPort, this.host);
      pair.up = up;
      up.on('error', end).on('close', end);
      down.on('data', (d) => this.dark || up.write(d));
      up.on('data', (d) => this.dark || down.write(d));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** the network goes dark: packets in both directions vanish */
  blackhole(): void {
    this.dark = true;
  }

  /** the sockets that lived through the outage are reset; new connections are forwarded again */
  restore(): number {
    const killed = this.pairs.size;
    for (const p of [...this.pairs]) {
      p.down.destroy();
      p.up?.destroy();
    }
    this.pairs.clear();
    this.dark = false;
    return killed;
  }

  async stop(): Promise<void> {
    this.restore();
    await new Promise((r) => this.server?.close(r));
  }
}

describe.skipIf(!AMQP_URL)('reliability: the network to the broker drops', () => {
  const t = tempDir('osw-rel-net-');
  const vh = testVhost();
  const broker = AMQP_URL ? new URL(AMQP_URL) : null;
  const proxy = new BlackholeProxy(broker?.hostname ?? '127.0.0.1', Number(broker?.port || 5672));
  let platform: RunningPlatform;
  let client: RunningClient | null = null;
  const users: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform(
      {
        dbFile: path.join(t.dir, 'platform.db'),
        port: 0,
        exchange: vh.url,
        sandboxPaceMs: 20,
        sandboxTickMs: 50,
        amqp: { discoverMs: 300, sweepMs: 200, retryBaseMs: 50 },
      },
      silent,
    );
    await proxy.start();
  });
  afterAll(async () => {
    await client?.stop(0).catch(() => undefined);
    await proxy.stop();
    await platform?.close();
    await vh.drop(users);
    t.cleanup();
  });

  it(
    `${FILES} files over RabbitMQ, the network dark for ${OUTAGE_MS / 1000} s: nothing lost, nothing doubled`,
    { timeout: FULL ? 900_000 : 240_000 },
    async () => {
      const deps = platform.deps;
      await createEnterprise(deps, {
        customsCode: '4403980001',
        uscc: '91440300MA5G0B1X2K',
        name: '深圳市前海通关报关有限公司',
        region: '5300',
      });
      const card = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
      const reg = await registerClient(deps, {
        enterpriseCode: '4403980001',
        region: randomRegion(),
        transport: 'amqp',
        environment: 'test',
      });
      users.push(brokerNames(reg.clientId).user);

      // the client reaches the broker only through the proxy
      const viaProxy = new URL(clientBrokerUrl(vh.url));
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const impPath = path.join(t.dir, 'ImpPath');
      const box = (b: string) => path.join(impPath, 'DecCus001', b);
      mkdirSync(box('OutBox'), { recursive: true });
      for (let i = 0; i < FILES; i++)
        writeFileSync(path.join(box('OutBox'), `dec-${String(i).padStart(5, '0')}.xml`), withClientSeqNo(example));
      client = await startAmqpClient({
        home: t.dir,
        url: viaProxy.toString(),
        reg,
        card,
        // longer than the outage: a file waits through it instead of failing with C18
        config: { sendRetryForMs: OUTAGE_MS + 120_000, deviceId: 'network-drop-test' },
      });
      const sent = () => filesBelow(box('SentBox')).length;
      await waitFor(() => sent() >= FILES / 3, 'a third of the files sent', 120_000, 50);
      const connectionsBefore = proxy.connections;
      proxy.blackhole();
      const darkAt = Date.now();
      const sentWhenDark = sent();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const sentWhileDark = sent() - sentWhenDark;
      const killed = proxy.restore();
      const restoredAt = Date.now();

      await waitFor(() => sent() + filesBelow(box('FailBox')).length >= FILES, 'every file filed', FULL ? 600_000 : 180_000, 250);
      const recoveredMs = Date.now() - restoredAt;
      const store = deps.store;
      await waitFor(
        async () => (await store.declarations.listFor('4403980001', 100_000)).every((d) => d.channel === 'R' || d.channel === 'E'),
        'every declaration through its receipts',
        180_000,
        250,
      );
      await waitFor(async () => (await store.deliveries.countPending(reg.clientId)) === 0, 'no delivery left in the store', 60_000, 250);
      const receipts = await waitFor(
        () => {
          const r = filesBelow(box('InBox')).filter((f) => f.startsWith('Receipt_'));
          return r.length >= FILES * RECEIPTS ? r : null;
        },
        'every receipt in the InBox',
        120_000,
        250,
      );

      const sentNames = filesBelow(box('SentBox')).map((f) => path.basename(f).replace(/_\d{21,23}\.xml$/, ''));
      const successed = filesBelow(box('InBox'))
        .filter((f) => f.startsWith('Successed_'))
        .map((f) => f.replace(/_\d{21,23}\.xml$/, ''));
      const accepted = (await store.declarations.listFor('4403980001', 100_000)).length;
      const lost = FILES - new Set(sentNames).size + Math.max(0, FILES * RECEIPTS - new Set(receipts).size);
      const duplicates =
        sentNames.length -
        new Set(sentNames).size +
        (successed.length - new Set(successed).size) +
        Math.max(0, accepted - FILES) +
        (receipts.length - new Set(receipts).size) +
        Math.max(0, new Set(receipts).size - FILES * RECEIPTS);
      record({
        test: `network to the broker dark for ${OUTAGE_MS / 1000} s (TCP proxy black-holed, then reset)`,
        load: `${FILES} files, ${FILES * RECEIPTS} receipts`,
        faults: 1,
        lost,
        duplicates,
      });
      console.info(
        `network dark ${restoredAt - darkAt} ms (${sentWhileDark} files filed meanwhile), ${killed} sockets reset, ${proxy.connections - connectionsBefore} new connections after; every file filed ${recoveredMs} ms after the network came back; ${client.snapshot().received.duplicatesDropped} receipts redelivered (dropped by id)`,
      );
      expect(filesBelow(box('FailBox'))).toEqual([]);
      expect(filesBelow(box('OutBox'))).toEqual([]);
      expect(sentNames).toHaveLength(FILES);
      expect(new Set(sentNames).size).toBe(FILES);
      expect(successed).toHaveLength(FILES);
      expect(accepted).toBe(FILES);
      expect(receipts).toHaveLength(FILES * RECEIPTS);
      expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    },
  );
});
