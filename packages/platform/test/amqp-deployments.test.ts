/**
 * Two deployments on one broker, each in its own vhost. Broker users are global: the second must
 * never take over (new password) or delete the first one's `U_SW…` user. It is refused with
 * OSW_BROKER_USER_TAKEN until it gives its users a prefix of their own (`amqp.userPrefix`).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pino from 'pino';
import YAML from 'yaml';
import { brokerNames } from '@osw/messages/exchange';
import { AMQP_URL, randomRegion, testVhost } from '../../../test/support/engines.js';
import { tempDir } from '../../../test/helpers.js';
import { startPlatform, type PlatformConfig, type RunningPlatform } from '../src/main.js';
import { createEnterprise, createOperator, issueCard } from '../src/core/identity/registry.js';
import { applyForClient, disableClient } from '../src/core/clients/registry.js';
import { AmqpTransport } from '../../client/src/adapters/amqp/transport.js';

const silent = pino({ level: 'silent' });
const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/osw.cjs');

/** runs osw without blocking: the platform answering it lives in this process */
function osw(args: string[], env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OSW, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (status) => resolve({ status, output }));
  });
}
const actor = { enterpriseCode: '4403980001', account: 'broker01', operatorCode: 'QH0030' };

describe.skipIf(!AMQP_URL)('two deployments on one broker', () => {
  const tmp = tempDir('osw-amqp-deploy-');
  const vh1 = testVhost();
  const vh2 = testVhost();
  const region = randomRegion();
  const running: RunningPlatform[] = [];
  let one: RunningPlatform;
  let two: RunningPlatform;
  const legal = new Map<RunningPlatform, string>();
  let first: { clientId: string; secret: string };
  const sharedUser = () => brokerNames(first.clientId).user;
  const extraUsers: string[] = [];

  const start = async (config: PlatformConfig) => {
    const p = await startPlatform({ port: 0, ...config }, silent);
    running.push(p);
    return p;
  };
  const seed = async (p: RunningPlatform) => {
    await createEnterprise(p.deps, { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '报关行', region: '5300' });
    legal.set(p, (await issueCard(p.deps, { enterpriseCode: '4403980001', kind: 'legal', pin: '88888888' })).cardNo);
  };
  const apply = async (p: RunningPlatform, cardNo = legal.get(p)!) => {
    const r = await applyForClient(
      p.deps,
      actor,
      { region, version: '2.0', transport: 'rabbitmq', environment: 'test', card: { cardNo, pin: '88888888' } },
      'https://sw.example.com',
    );
    return { clientId: r.client.clientId, secret: r.transportSettings.password, settings: r.transportSettings };
  };
  /** sends one message as the client and returns the platform's answer (a C903 refusal of `<Hello/>` is an answer) */
  const sendAs = async (url: string, c: { clientId: string; secret: string }, user?: string) => {
    const t = new AmqpTransport({ url, clientId: c.clientId, user, password: c.secret, sendTimeoutMs: 10_000 });
    try {
      return await t.send({
        messageId: `${c.clientId}${Date.now()}${Math.floor(Math.random() * 1e6)}`,
        fileName: 'hello.xml',
        business: 'declaration',
        body: Buffer.from('<Hello/>'),
      });
    } finally {
      await t.close();
    }
  };

  beforeAll(async () => {
    one = await start({ dbFile: `${tmp.dir}/one.db`, exchange: vh1.url, amqp: { discoverMs: 200, sweepMs: 100 } });
    two = await start({ dbFile: `${tmp.dir}/two.db`, exchange: vh2.url, amqp: { discoverMs: 200, sweepMs: 100 } });
    await seed(one);
    await seed(two);
    first = await apply(one);
  });

  afterAll(async () => {
    for (const p of running) await p.close().catch(() => undefined);
    const users = first ? [sharedUser(), `osw-two.${sharedUser()}`, ...extraUsers] : [];
    await vh1.drop(users);
    await vh2.drop();
    tmp.cleanup();
  }, 60_000);

  test("the second deployment does not take over the first one's broker user: OSW_BROKER_USER_TAKEN, and the first client keeps working", async () => {
    const user = sharedUser();
    const refused = apply(two);
    await expect(refused).rejects.toMatchObject({ code: 'OSW_BROKER_USER_TAKEN' });
    await expect(refused).rejects.toThrow(new RegExp(`RabbitMQ user ${user} belongs to another deployment on this broker`));
    await expect(refused).rejects.toThrow(/amqp\.userPrefix/);
    const message = await refused.catch((err: Error) => err.message);
    expect(message).not.toContain(vh1.vhost); // the other deployment's vhost is for the operator's log only
    // nothing registered on the second deployment; the user keeps its password and its one vhost
    expect(await two.deps.store.clients.get(first.clientId)).toBeUndefined();
    expect(await one.amqp!.management.userVhosts(user)).toEqual([vh1.vhost]);
    expect((await sendAs(vh1.url, first)).responseXml).toContain('C903');
  });

  test('with amqp.userPrefix the second deployment’s clients get broker users of their own; disabling one leaves the other', async () => {
    // the operator sets the prefix and restarts the second deployment
    await two.close();
    running.splice(running.indexOf(two), 1);
    const card = legal.get(two)!;
    two = await start({
      dbFile: `${tmp.dir}/two.db`,
      exchange: vh2.url,
      amqp: { discoverMs: 200, sweepMs: 100, userPrefix: 'osw-two.' },
    });
    legal.set(two, card);
    const second = await apply(two);
    expect(second.clientId).toBe(first.clientId); // the same id on both deployments, as before
    expect(second.settings.user).toBe(`osw-two.${sharedUser()}`);
    expect(await two.amqp!.management.userVhosts(second.settings.user)).toEqual([vh2.vhost]);
    expect((await sendAs(vh2.url, second, second.settings.user)).responseXml).toContain('C903');
    expect((await sendAs(vh1.url, first)).responseXml).toContain('C903');
    expect((await two.deps.broker!.connectionCounts!([second.clientId])).get(second.clientId)).toBe(0);

    // `osw client apply` against the prefixed deployment stores the user of the 传输设置 as platform.brokerUser
    await createOperator(two.deps, {
      account: 'broker02',
      password: 'osw-test-broker',
      enterpriseCode: '4403980001',
      name: '林晓峰',
      operatorCode: 'QH0032',
    });
    const cfg = path.join(tmp.dir, 'osw-client.yaml');
    writeFileSync(cfg, YAML.stringify({ platform: { url: two.url }, impPath: path.join(tmp.dir, 'ImpPath') }));
    const applied = await osw(
      [
        'client',
        'apply',
        '--config',
        cfg,
        '--account',
        'broker02',
        '--card-no',
        legal.get(two)!,
        '--region',
        region,
        '--transport',
        'rabbitmq',
      ],
      { OSW_PASSWORD: 'osw-test-broker', OSW_CARD_PIN: '88888888' },
    );
    expect(applied.status, applied.output).toBe(0);
    const doc = YAML.parse(readFileSync(cfg, 'utf8'));
    expect(doc.platform.brokerUser).toBe(`osw-two.${brokerNames(doc.clientId).user}`);
    extraUsers.push(doc.platform.brokerUser);

    await disableClient(two.deps, actor, second.clientId, { cardNo: legal.get(two)!, pin: '88888888' });
    expect(await two.amqp!.management.getUser(second.settings.user)).toBeUndefined();
    expect(await one.amqp!.management.userVhosts(sharedUser())).toEqual([vh1.vhost]);
    expect((await sendAs(vh1.url, first)).responseXml).toContain('C903');
  });

  test('a user two deployments already share (from before this check) is not deleted by either: each removes only its own vhost', async () => {
    const user = sharedUser();
    const mgmt = one.amqp!.management;
    // as an older second deployment left it: the same user, with permissions in its vhost too
    await mgmt.setPermissions(vh2.vhost, user, { configure: '^$', write: '^$', read: '^$' });
    await two.deps.broker!.blockClient(first.clientId);
    expect(await mgmt.getUser(user)).toBeTruthy();
    expect(await mgmt.userVhosts(user)).toEqual([vh1.vhost]);
    expect((await sendAs(vh1.url, first)).responseXml).toContain('C903');
    // the first deployment disables its own client: the user is its alone now, and goes
    await one.deps.broker!.blockClient(first.clientId);
    expect(await mgmt.getUser(user)).toBeUndefined();
  });
});
