/**
 * `amqps://` with a private CA: a certificate made at test time with openssl, and a Node `tls`
 * server in front of the shared broker's plain port (TLS terminated there: the machine's RabbitMQ
 * is not reconfigured, other test files use it at the same time). The platform (`amqp.caFile`) and
 * the import client (`platform.caFile`) connect through it; without the CA the client is refused.
 * In production RabbitMQ terminates TLS itself (`listeners.ssl.default = 5671`, docs/scale-out.md).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { AMQP_URL, managementUrl, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir, waitFor } from '../../../test/helpers.js';
import { startPlatform, type RunningPlatform } from '../src/main.js';
import { createEnterprise } from '../src/core/identity/registry.js';
import { registerClient } from '../src/core/clients/registry.js';
import { brokerNames } from '@osw/messages/exchange';
import { AmqpTransport } from '../../client/src/adapters/amqp/transport.js';

const silent = pino({ level: 'silent' });

/** A CA and a server certificate for localhost / 127.0.0.1 signed by it, as docs/scale-out.md shows. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=osw-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  return { ca: path.join(dir, 'ca.pem'), key: path.join(dir, 'server.key'), cert: path.join(dir, 'server.pem') };
}

/** TLS on a free port, forwarded in clear to the broker's AMQP port. */
async function tlsTerminator(key: string, cert: string, upstream: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let handshakes = 0;
  const server = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (front) => {
    handshakes++;
    const back = net.connect(upstream.port, upstream.host);
    for (const s of [front, back]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        front.destroy();
        back.destroy();
      });
    }
    front.pipe(back);
    back.pipe(front);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    handshakes: () => handshakes,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe.skipIf(!AMQP_URL)('RabbitMQ exchange over amqps:// with a private CA', () => {
  const tmp = tempDir('osw-amqps-');
  const vh = testVhost();
  const users: string[] = [];
  let certs: { ca: string; key: string; cert: string };
  let proxy: Awaited<ReturnType<typeof tlsTerminator>>;
  let platform: RunningPlatform;
  let amqpsUrl: (user?: string, password?: string) => string;

  beforeAll(async () => {
    certs = makeCertificates(tmp.dir);
    const plain = new URL(AMQP_URL);
    proxy = await tlsTerminator(certs.key, certs.cert, { host: plain.hostname, port: Number(plain.port || 5672) });
    amqpsUrl = (user, password) => {
      const u = new URL(`amqps://localhost:${proxy.port}/${encodeURIComponent(vh.vhost)}`);
      if (user) u.username = user;
      if (password) u.password = password;
      return u.toString();
    };
    platform = await startPlatform(
      {
        dbFile: path.join(tmp.dir, 'p.db'),
        port: 0,
        exchange: amqpsUrl(decodeURIComponent(plain.username || 'guest'), decodeURIComponent(plain.password || 'guest')),
        // the management API stays on the internal network in clear (its https default would be port 15671)
        amqp: { caFile: certs.ca, managementUrl: managementUrl(), discoverMs: 200, sweepMs: 200, retryBaseMs: 50 },
      },
      silent,
    );
  });

  afterAll(async () => {
    await platform?.close();
    await proxy?.close();
    await vh.drop(users);
    tmp.cleanup();
  });

  test('the platform and a client connect with the CA file, send a message and receive a receipt', async () => {
    expect(proxy.handshakes()).toBeGreaterThanOrEqual(1); // the platform came in through TLS
    await createEnterprise(platform.deps, {
      customsCode: '4403980001',
      uscc: '91440300MA5G0B1X2K',
      name: '深圳市前海通关报关有限公司',
      region: '5300',
    });
    const c = await registerClient(platform.deps, {
      enterpriseCode: '4403980001',
      region: randomRegion(),
      transport: 'amqp',
      environment: 'test',
    });
    users.push(brokerNames(c.clientId).user);
    const before = proxy.handshakes();
    const t = new AmqpTransport({ url: amqpsUrl(), clientId: c.clientId, password: c.secret, caFile: certs.ca, sendTimeoutMs: 15_000 });
    try {
      const answer = await t.send({
        messageId: `${c.clientId}20260101000000000001`,
        fileName: 'tls.xml',
        business: 'declaration',
        body: Buffer.from('<Unknown/>'),
      });
      expect(answer.duplicate).toBe(false);
      expect(proxy.handshakes()).toBeGreaterThan(before);
      expect(await platform.deps.store.inbound.get(c.clientId, `${c.clientId}20260101000000000001`)).toBeTruthy();

      await platform.deps.store.deliveries.enqueue([
        {
          clientId: c.clientId,
          messageId: 'TLSRECEIPT0001',
          business: 'declaration',
          fileName: 'Receipt_tls.xml',
          body: '<r/>',
          createdAt: new Date().toISOString(),
        },
      ]);
      platform.deps.notifier.notify(c.clientId);
      const got = await waitFor(
        async () => (await t.receive({ waitMs: 500, max: 10 })).find((m) => m.messageId === 'TLSRECEIPT0001'),
        'the receipt over amqps://',
        30_000,
        0,
      );
      await t.ack([got.deliveryId]);
      expect(got.fileName).toBe('Receipt_tls.xml');
    } finally {
      await t.close();
    }
  });

  test('a client without the CA file does not trust the broker and is refused', async () => {
    const t = new AmqpTransport({ url: amqpsUrl(), clientId: 'DXPESW5300000099', password: 'x', sendTimeoutMs: 5_000 });
    try {
      const err = await t
        .send({ messageId: 'DXPESW530000009920260101000000000001', fileName: 'x.xml', business: 'declaration', body: Buffer.from('<x/>') })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error & { cause?: Error }).message) + String((err as Error & { cause?: Error }).cause?.message ?? '')).toMatch(
        /certificate/i,
      );
    } finally {
      await t.close();
    }
  });
});
