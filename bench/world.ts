/**
 * A platform for the benches that need a broker or a fast sandbox: SQLite store, the HTTP exchange
 * and optionally RabbitMQ on a vhost of its own, one broker enterprise (报关行) with an operator card
 * and clients registered on demand. The broker URL comes from OSW_BENCH_AMQP_URL, else
 * OSW_TEST_AMQP_URL, else amqp://guest:guest@127.0.0.1:5672.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import amqp from 'amqplib';
import { writeCardFile, type ClientConfigInput } from '@osw/client';
import { createEnterprise, issueCard, registerClient, startPlatform, type RunningPlatform } from '@osw/platform';
import { brokerNames } from '@osw/messages/exchange';
import { silent } from '../test/support/platform-world.js';

export const BROKER_URL = process.env.OSW_BENCH_AMQP_URL || process.env.OSW_TEST_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';

const reachable = new Map<string, Promise<boolean>>();

/**
 * true when the broker and its management plugin answer (the platform provisions client users
 * through it). Otherwise the RabbitMQ figures are left out, and the run says why once.
 */
export function brokerReachable(url = BROKER_URL): Promise<boolean> {
  let known = reachable.get(url);
  if (!known) reachable.set(url, (known = probeBroker(url)));
  return known;
}

async function probeBroker(url: string): Promise<boolean> {
  const u = new URL(url);
  const host = u.hostname;
  try {
    const c = await amqp.connect(url);
    await c.close();
  } catch (err) {
    process.stderr.write(
      `bench: the RabbitMQ figures are left out: no broker answers at ${host}:${u.port || 5672} (${(err as Error).message})\n`,
    );
    return false;
  }
  try {
    const res = await management(url)('/overview');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return true;
  } catch (err) {
    process.stderr.write(
      `bench: the RabbitMQ figures are left out: the broker's management plugin does not answer at ${host}:15672 (${(err as Error).message}); ` +
        'enable it with `rabbitmq-plugins enable rabbitmq_management`\n',
    );
    return false;
  }
}

function management(url: string) {
  const u = new URL(url);
  const base = `http://${u.hostname}:15672`;
  const authorization =
    'Basic ' + Buffer.from(`${decodeURIComponent(u.username || 'guest')}:${decodeURIComponent(u.password || 'guest')}`).toString('base64');
  return (p: string, method = 'GET', body?: unknown) =>
    fetch(`${base}/api${p}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** A vhost of its own on the broker (the platform provisions client users and queues in it). */
export async function benchVhost(url = BROKER_URL): Promise<{ vhost: string; url: string; drop(users: string[]): Promise<void> }> {
  const vhost = `osw_bench_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const u = new URL(url);
  u.pathname = `/${vhost}`;
  const api = management(url);
  return {
    vhost,
    url: u.toString(),
    async drop(users) {
      for (const user of users) await api(`/users/${encodeURIComponent(user)}`, 'DELETE').catch(() => undefined);
      await api(`/vhosts/${encodeURIComponent(vhost)}`, 'DELETE').catch(() => undefined);
    },
  };
}

export interface BenchWorld {
  platform: RunningPlatform;
  /** a new client of the broker enterprise, over HTTP or RabbitMQ, with its folders under `home` */
  client(transport: 'http' | 'amqp', home: string, over?: Partial<ClientConfigInput>): Promise<ClientConfigInput>;
  stop(): Promise<void>;
}

export async function benchWorld(dir: string, opts: { amqp?: boolean; paceMs?: number; tickMs?: number } = {}): Promise<BenchWorld> {
  const vh = opts.amqp ? await benchVhost() : null;
  const platform = await startPlatform(
    {
      dbFile: path.join(dir, 'platform.db'),
      port: 0,
      sandboxPaceMs: opts.paceMs ?? 3_600_000,
      sandboxTickMs: opts.tickMs ?? 100,
      ...(vh ? { exchange: vh.url, amqp: { discoverMs: 200, sweepMs: 200, retryBaseMs: 50 } } : {}),
    },
    silent,
  );
  const deps = platform.deps;
  await createEnterprise(deps, {
    customsCode: '4403980001',
    uscc: '91440300MA5G0B1X2K',
    name: '深圳市前海通关报关有限公司',
    region: '5300',
  });
  const card = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
  const cardFile = path.join(dir, 'card.json');
  await writeCardFile(cardFile, {
    cardNo: card.cardNo,
    kind: 'operator',
    enterpriseCode: '4403980001',
    encryptedPrivateKeyPem: card.encryptedPrivateKeyPem,
    kdf: card.kdf,
    publicKeyPem: card.publicKeyPem,
  });
  const users: string[] = [];
  const region = String(1000 + crypto.randomInt(9000));
  return {
    platform,
    async client(transport, home, over = {}) {
      const reg = await registerClient(deps, {
        enterpriseCode: '4403980001',
        region: transport === 'amqp' ? region : '5300',
        transport,
        environment: 'test',
      });
      let url = platform.url;
      if (transport === 'amqp') {
        users.push(brokerNames(reg.clientId).user);
        const u = new URL(vh!.url);
        u.username = '';
        u.password = '';
        url = u.toString();
      }
      return {
        clientId: reg.clientId,
        platform: { url, secret: reg.secret },
        impPath: path.join(home, 'ImpPath'),
        card: { file: cardFile, pin: '12345678' },
        stableMs: 50,
        rescanMs: 100,
        retryBaseMs: 100,
        retryMaxMs: 1000,
        sendRetryForMs: 60_000,
        sendTimeoutMs: 10_000,
        receiveWaitMs: 500,
        logDir: path.join(home, 'logs'),
        statusPage: { enabled: false, host: '127.0.0.1', port: 0 },
        deviceId: 'bench-machine',
        ...over,
      };
    },
    async stop() {
      await platform.close().catch(() => undefined);
      await vh?.drop(users);
    },
  };
}
