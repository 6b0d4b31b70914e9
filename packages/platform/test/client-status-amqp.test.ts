/**
 * 客户端管理 live status of a RabbitMQ client against the real broker: connected while the broker
 * holds a connection of the client's own user, read from the management API.
 */
import amqp, { type ChannelModel } from 'amqplib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir, waitFor } from '../../../test/helpers.js';
import { clientLiveStatus } from '../src/core/clients/live-status.js';
import { brokerNames } from '@osw/messages/exchange';
import { createEnterprise } from '../src/core/identity/registry.js';
import { registerClient } from '../src/core/clients/registry.js';
import { startPlatform, type RunningPlatform } from '../src/main.js';

describe.skipIf(!AMQP_URL)('live status of a RabbitMQ client', () => {
  const tmp = tempDir('osw-amqp-live-');
  const vh = testVhost();
  let platform: RunningPlatform;
  let client: { clientId: string; secret: string };
  const conns: ChannelModel[] = [];

  beforeAll(async () => {
    platform = await startPlatform(
      { dbFile: `${tmp.dir}/platform.db`, port: 0, exchange: vh.url, amqp: { discoverMs: 200, sweepMs: 100 } },
      pino({ level: 'silent' }),
    );
    await createEnterprise(platform.deps, {
      customsCode: '4403980001',
      uscc: '91440300MA5G0B1X2K',
      name: '深圳市前海通关报关有限公司',
      region: '5300',
    });
    client = await registerClient(platform.deps, {
      enterpriseCode: '4403980001',
      region: randomRegion(),
      transport: 'amqp',
      environment: 'test',
    });
  });

  afterAll(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    await platform?.close();
    await vh.drop([brokerNames(client.clientId).user]);
    tmp.cleanup();
  });

  const live = async () => {
    const row = (await platform.deps.store.clients.get(client.clientId))!;
    return (await clientLiveStatus(platform.deps, [row])).get(client.clientId)!;
  };

  test('offline until it connects with its own user, online while connected, offline once it closes', async () => {
    expect(await live()).toMatchObject({ connected: false, connectedBy: 'broker', backlog: 0, suspended: false });
    const u = new URL(vh.url);
    u.username = brokerNames(client.clientId).user;
    u.password = client.secret;
    const conn = await amqp.connect(u.toString());
    conn.on('error', () => undefined);
    conns.push(conn);
    // the management API lists a connection within moments of its opening
    await waitFor(async () => (await live()).connected === true, 'the broker to list the client connection', 30_000, 250);
    await conn.close();
    await waitFor(async () => (await live()).connected === false, 'the broker to drop the closed connection', 30_000, 250);
  });
});
