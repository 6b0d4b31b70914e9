/**
 * 传输设置 of a RabbitMQ client name the broker URL clients really connect to: `amqp.clientUrl`
 * when configured (e.g. the public TLS listener), else the platform's exchange URL without its login.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir } from '../../../test/helpers.js';
import { startPlatform, PlatformConfigSchema, type RunningPlatform } from '../src/main.js';
import { createEnterprise, issueCard } from '../src/core/identity/registry.js';
import { brokerNames } from '@osw/messages/exchange';
import { applyForClient } from '../src/core/clients/registry.js';

const silent = pino({ level: 'silent' });

test('amqp.clientUrl must be an amqp(s) URL without a login', () => {
  const base = { dbFile: 'x.db' };
  expect(PlatformConfigSchema.safeParse({ ...base, amqp: { clientUrl: 'amqps://mq.example.com:5671/osw' } }).success).toBe(true);
  expect(PlatformConfigSchema.safeParse({ ...base, amqp: { clientUrl: 'https://mq.example.com' } }).success).toBe(false);
  expect(PlatformConfigSchema.safeParse({ ...base, amqp: { clientUrl: 'amqp://osw:secret@mq.example.com/osw' } }).success).toBe(false);
});

describe.skipIf(!AMQP_URL)('transport settings of RabbitMQ clients', () => {
  const tmp = tempDir('osw-amqp-settings-');
  const vh = testVhost();
  const users: string[] = [];
  let configured: RunningPlatform;
  let derived: RunningPlatform;

  beforeAll(async () => {
    configured = await startPlatform(
      { dbFile: `${tmp.dir}/a.db`, port: 0, exchange: vh.url, amqp: { clientUrl: 'amqps://mq.example.com:5671/osw' } },
      silent,
    );
    derived = await startPlatform(
      { dbFile: `${tmp.dir}/b.db`, port: 0, exchange: `${vh.url}?heartbeat=5`, amqp: { instanceName: 'osw-settings-2' } },
      silent,
    );
  });

  afterAll(async () => {
    await configured?.close();
    await derived?.close();
    await vh.drop(users);
    tmp.cleanup();
  });

  async function apply(platform: RunningPlatform) {
    await createEnterprise(platform.deps, {
      customsCode: '4403980001',
      uscc: '91440300MA5G0B1X2K',
      name: '深圳市前海通关报关有限公司',
      region: '5300',
    });
    const legal = await issueCard(platform.deps, { enterpriseCode: '4403980001', kind: 'legal', pin: '88888888' });
    const actor = { enterpriseCode: '4403980001', account: 'broker01', operatorCode: 'QH0030' };
    const r = await applyForClient(
      platform.deps,
      actor,
      {
        region: randomRegion(),
        version: '2.0',
        transport: 'rabbitmq',
        environment: 'test',
        card: { cardNo: legal.cardNo, pin: '88888888' },
      },
      'https://sw.example.com',
    );
    users.push(brokerNames(r.client.clientId).user);
    return r.transportSettings;
  }

  test('the configured client URL is the endpoint', async () => {
    expect((await apply(configured)).endpoint).toBe('amqps://mq.example.com:5671/osw');
  });

  test("without it, the exchange URL without the platform's login and parameters", async () => {
    const plain = new URL(vh.url);
    const s = await apply(derived);
    expect(s.endpoint).toBe(`amqp://${plain.host}/${vh.vhost}`);
    expect(s.endpoint).not.toContain('@');
  });
});
