/** A real platform on a free port with two enterprises, their cards and clients, for client tests. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { writeCardFile, type ClientConfigInput } from '@osw/client';
import {
  createEnterprise,
  createOperator,
  issueCard,
  registerClient,
  startPlatform,
  type RunningPlatform,
  type SpanExporter,
} from '@osw/platform';

export const silent = pino({ level: 'silent' });

export interface World {
  dir: string;
  dbFile: string;
  platform: RunningPlatform;
  port: number;
  broker: { clientId: string; secret: string; cardFile: string; pin: string };
  owner: { clientId: string; secret: string; cardFile: string; pin: string };
  /** a client config for the broker's client in its own folder */
  config(over?: Partial<ClientConfigInput>, name?: string): ClientConfigInput;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function platformWorld(dir: string, opts: { paceMs?: number; spanExporter?: SpanExporter } = {}): Promise<World> {
  const dbFile = path.join(dir, 'platform.db');
  const start = (port: number) =>
    startPlatform({ dbFile, port, sandboxPaceMs: opts.paceMs ?? 3_600_000 }, silent, { spanExporter: opts.spanExporter });
  let platform = await start(0);
  const port = Number(new URL(platform.url).port);
  const deps = platform.deps;
  await createEnterprise(deps, {
    customsCode: '4403980001',
    uscc: '91440300MA5G0B1X2K',
    name: '深圳市前海通关报关有限公司',
    region: '5300',
  });
  await createEnterprise(deps, {
    customsCode: '4403960002',
    uscc: '91440300MA5F8K3L7P',
    name: '深圳市华南进出口贸易有限公司',
    region: '5300',
  });
  await createOperator(deps, {
    account: 'broker01',
    password: 'osw-demo-broker',
    enterpriseCode: '4403980001',
    name: '林晓峰',
    operatorCode: 'QH0030',
  });
  const mk = async (enterpriseCode: string) => {
    const card = await issueCard(deps, { enterpriseCode, kind: 'operator', pin: '12345678' });
    const client = await registerClient(deps, { enterpriseCode, region: '5300', transport: 'http', environment: 'test' });
    const cardFile = path.join(dir, `card-${card.cardNo}.json`);
    await writeCardFile(cardFile, {
      cardNo: card.cardNo,
      kind: 'operator',
      enterpriseCode,
      encryptedPrivateKeyPem: card.encryptedPrivateKeyPem,
      kdf: card.kdf,
      publicKeyPem: card.publicKeyPem,
    });
    return { clientId: client.clientId, secret: client.secret, cardFile, pin: '12345678' };
  };
  const broker = await mk('4403980001');
  const owner = await mk('4403960002');
  const world: World = {
    dir,
    dbFile,
    get platform() {
      return platform;
    },
    port,
    broker,
    owner,
    config(over = {}, name = 'client') {
      const home = path.join(dir, name);
      return {
        clientId: broker.clientId,
        platform: { url: `http://127.0.0.1:${port}`, secret: broker.secret },
        impPath: path.join(home, 'ImpPath'),
        card: { file: broker.cardFile, pin: broker.pin },
        stableMs: 100,
        rescanMs: 100,
        retryBaseMs: 100,
        retryMaxMs: 500,
        // generous: a loaded CI machine must not turn a slow moment into C18 (tests of the window set their own)
        sendRetryForMs: 60_000,
        receiveWaitMs: 1_000,
        logDir: path.join(home, 'logs'),
        statusPage: { enabled: true, host: '127.0.0.1', port: 0 },
        deviceId: 'test-machine',
        ...over,
      };
    },
    async restart() {
      await platform.close().catch(() => undefined);
      platform = await start(port);
    },
    async stop() {
      await platform.close().catch(() => undefined);
    },
  };
  await fs.mkdir(dir, { recursive: true });
  return world;
}
