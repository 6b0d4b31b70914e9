/**
 * `osw demo`: the all-in-one demo in one process — platform (SQLite, HTTP exchange, REST API,
 * console), customs sandbox, and two import clients (a customs broker's and an importer's).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { startClient, writeCardFile, type ClientConfigInput, type RunningClient } from '@osw/client';
import { startPlatform, type Logger, type RunningPlatform } from '@osw/platform';
import { webRoot } from '@osw/web';
import { seedDemo, type DemoState } from './demo-seed.js';

export interface DemoOptions {
  home: string;
  port: number;
  host?: string;
  /** time between two sandbox receipts (0 = at once) */
  paceMs: number;
  logger: Logger;
  /** how long an OutBox file must stay unchanged before it is sent */
  stableMs?: number;
  rescanMs?: number;
  /** customs sandbox scenario file (YAML or JSON): outcome rules and pace (docs/sandbox.md) */
  scenarioFile?: string;
}

export interface DemoContract {
  platformUrl: string;
  enterprises: { customsCode: string; uscc: string; name: string; role: 'broker' | 'owner' }[];
  accounts: { account: string; password: string; enterpriseCode: string; operatorCode: string }[];
  cards: { cardNo: string; pin: string; kind: 'legal' | 'operator'; enterpriseCode: string }[];
  clients: {
    clientId: string;
    enterpriseCode: string;
    role: 'broker' | 'owner';
    impPath: string;
    configFile: string;
    businesses: Record<string, { outBox: string; sentBox: string; failBox: string; inBox: string }>;
  }[];
  manuals: { manualNo: string; enterpriseCode: string }[];
}

export interface RunningDemo {
  contract: DemoContract;
  platform: RunningPlatform;
  clients: RunningClient[];
  close(): Promise<void>;
}

const STATE_FILE = 'demo-state.json';

export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const home = path.resolve(opts.home);
  await fs.mkdir(home, { recursive: true });
  const platform = await startPlatform(
    { dbFile: path.join(home, 'platform.db'), host: opts.host ?? '127.0.0.1', port: opts.port, sandboxPaceMs: opts.paceMs, webRoot, sandboxScenarioFile: opts.scenarioFile && path.resolve(opts.scenarioFile) },
    opts.logger.child({ process: 'platform' }),
  );
  const clients: RunningClient[] = [];
  try {
    const statePath = path.join(home, STATE_FILE);
    let state: DemoState;
    if (existsSync(statePath)) state = JSON.parse(await fs.readFile(statePath, 'utf8'));
    else {
      if ((await platform.deps.store.countEnterprises()) > 0)
        throw new Error(`${home} holds a platform database but no ${STATE_FILE}; remove the folder to start afresh`);
      state = await seedDemo(platform.deps);
      await fs.writeFile(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
    }

    const contractClients: DemoContract['clients'] = [];
    for (const c of state.clients) {
      const dir = path.join(home, 'clients', c.clientId);
      const impPath = path.join(dir, 'ImpPath');
      const card = state.cards.find((k) => k.cardNo === c.cardNo)!;
      const cardFile = path.join(dir, `card-${card.cardNo}.json`);
      if (!existsSync(cardFile)) {
        await fs.mkdir(dir, { recursive: true });
        await writeCardFile(cardFile, { cardNo: card.cardNo, kind: card.kind, enterpriseCode: card.enterpriseCode, encryptedPrivateKeyPem: card.encryptedPrivateKeyPem, publicKeyPem: card.publicKeyPem });
      }
      const config: ClientConfigInput = {
        clientId: c.clientId,
        environment: 'test',
        platform: { url: platform.url, secret: c.secret },
        impPath,
        businesses: { declaration: { maxConcurrentTasks: 4 } },
        card: { file: cardFile, pin: card.pin },
        stableMs: opts.stableMs ?? 500,
        rescanMs: opts.rescanMs ?? 1000,
        sendRetryForMs: 10_000,
        retryBaseMs: 200,
        logDir: path.join(dir, 'logs'),
        statusPage: { enabled: true, host: '127.0.0.1', port: 0 },
        deviceId: `demo-${c.clientId}`,
      };
      const configFile = path.join(dir, 'osw-client.json');
      await fs.writeFile(configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
      const running = await startClient(config, { logger: opts.logger.child({ process: 'client' }), lockDir: path.join(home, '.locks') });
      clients.push(running);
      const businesses: DemoContract['clients'][number]['businesses'] = {};
      for (const b of running.businesses)
        businesses[b.bizId] = { outBox: path.join(b.root, 'OutBox'), sentBox: path.join(b.root, 'SentBox'), failBox: path.join(b.root, 'FailBox'), inBox: path.join(b.root, 'InBox') };
      contractClients.push({ clientId: c.clientId, enterpriseCode: c.enterpriseCode, role: c.role, impPath, configFile, businesses });
    }

    const contract: DemoContract = {
      platformUrl: platform.url,
      enterprises: state.enterprises.map(({ customsCode, uscc, name, role }) => ({ customsCode, uscc, name, role })),
      accounts: state.accounts.map(({ account, password, enterpriseCode, operatorCode }) => ({ account, password, enterpriseCode, operatorCode })),
      cards: state.cards.map(({ cardNo, pin, kind, enterpriseCode }) => ({ cardNo, pin, kind, enterpriseCode })),
      clients: contractClients,
      manuals: state.manuals,
    };
    await fs.writeFile(path.join(home, 'demo.json'), JSON.stringify(contract, null, 2) + '\n', { mode: 0o600 });

    let closed = false;
    return {
      contract,
      platform,
      clients,
      async close() {
        if (closed) return;
        closed = true;
        await Promise.all(clients.map((c) => c.stop()));
        await platform.close();
      },
    };
  } catch (err) {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    await platform.close();
    throw err;
  }
}

/** The short tour printed by `osw demo`. */
export function tour(contract: DemoContract, home: string, logFile: string): string {
  const broker = contract.clients.find((c) => c.role === 'broker')!;
  const owner = contract.clients.find((c) => c.role === 'owner')!;
  const dec = broker.businesses.DecCus001;
  const acct = contract.accounts[0];
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return !r ? '.' : r.startsWith('..') ? p : r;
  };
  return [
    '',
    'open-single-window demo is running 单一窗口演示环境已启动',
    '',
    `  platform + console   ${contract.platformUrl}   (log in as ${acct.account} / ${acct.password})`,
    `  broker client 报关行  ${broker.clientId}  ImpPath ${rel(broker.impPath)}`,
    `  importer client 收发货人 ${owner.clientId}  ImpPath ${rel(owner.impPath)}`,
    `  demo data            ${rel(path.join(home, 'demo.json'))}`,
    `  log                  ${rel(logFile)}`,
    '',
    'Try it 试一试:',
    `  cp examples/declaration.xml ${rel(dec.outBox)}/`,
    `  ls ${rel(dec.sentBox)}/*/ ${rel(dec.inBox)}/`,
    '  → SentBox/<date>/declaration_<ts>.xml, InBox/Successed_declaration_<ts>.xml,',
    '    then InBox/Receipt_<统一编号>_<ts>.xml for CHANNEL 7 → L → J → P → R',
    '',
    'Ctrl+C stops (a second Ctrl+C stops at once).',
    '',
  ].join('\n');
}
