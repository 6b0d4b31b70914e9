/**
 * `osw demo`: the all-in-one demo in one process — platform (SQLite, HTTP exchange, REST API,
 * console), customs sandbox, and two import clients (a customs broker's and an importer's).
 * With `--store postgres://…` and `--exchange amqp://…` the same demo runs on the scale parts:
 * the data in PostgreSQL, the clients registered as RabbitMQ clients (their own broker users and
 * queues) and connected over AMQP.
 */
import crypto from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { hidePassword, withoutLogin } from '@osw/messages';
import { startClient, writeCardFile, writeFileAtomic, type ClientConfigInput, type RunningClient } from '@osw/client';
import { brokerNames } from '@osw/messages/exchange';
import { startPlatform, type Logger, type PlatformConfig, type RunningPlatform, type SpanExporter } from '@osw/platform';
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
  /** where the data lives: a `postgres://…` URL or a SQLite file; default `<home>/platform.db` */
  store?: string;
  /** `http` (default) or the platform's broker user `amqp(s)://user:password@host:5672/vhost`: the demo's clients then use RabbitMQ */
  exchange?: string;
  /** CA of the broker's certificate, for amqps:// with a private CA */
  caFile?: string;
  /** the scraper token of the platform's `/metrics`; default: a new random one, written to demo.json */
  metricsToken?: string;
  /** each client writes its daily log `<client folder>/logs/<yyyyMMdd>/SWLog-<yyyyMMdd>.log` (text), as the official client does;
   * default true */
  swLog?: boolean;
  /** private address ranges the platform's webhooks may reach (`push.webhookAllowPrivate`), e.g. ['127.0.0.1/32'] for a local receiver */
  webhookAllowPrivate?: boolean | string[];
  /** the platform's alerts (`alerts`: when they fire, the SMTP server of alert mail) */
  alerts?: PlatformConfig['alerts'];
  /**
   * tracing on, the platform's and the clients' spans exported here (tests: an in-memory exporter); else
   * tracing follows OTEL_EXPORTER_OTLP_ENDPOINT
   */
  spanExporter?: SpanExporter;
}

/** A RabbitMQ client's broker login and names, as 自动导入客户端申请 shows them. */
export interface DemoBrokerSettings {
  /** the URL the client connects to (no credentials) */
  url: string;
  user: string;
  password: string;
  exchange: string;
  sendQueue: string;
  receiveQueue: string;
}

export interface DemoContract {
  platformUrl: string;
  /** the store (PostgreSQL URL without its password, or the SQLite file) and the exchange of the clients */
  store: string;
  exchange: 'http' | 'amqp';
  /** the broker of the RabbitMQ exchange, without the platform's credentials */
  brokerUrl?: string;
  enterprises: { customsCode: string; uscc: string; name: string; role: 'broker' | 'owner' }[];
  accounts: { account: string; password: string; enterpriseCode: string; operatorCode: string }[];
  cards: { cardNo: string; pin: string; kind: 'legal' | 'operator'; enterpriseCode: string }[];
  clients: {
    clientId: string;
    enterpriseCode: string;
    role: 'broker' | 'owner';
    impPath: string;
    configFile: string;
    /** the client's status page (导入监控): only on this machine, under 127.0.0.1 or localhost */
    statusUrl: string | null;
    /** the folder of its daily logs (SWLog): `<logDir>/<yyyyMMdd>/SWLog-<yyyyMMdd>.log`, China date; null when turned off */
    logDir: string | null;
    businesses: Record<string, { outBox: string; sentBox: string; failBox: string; inBox: string }>;
    /** with `--exchange amqp://…`: the client's broker user, its password (the client secret) and queues */
    broker?: DemoBrokerSettings;
  }[];
  manuals: { manualNo: string; enterpriseCode: string }[];
  /** the platform's Prometheus metrics: `Authorization: Bearer <token>` (each client's are at `<statusUrl>/metrics`) */
  metrics: { url: string; token: string };
}

export interface RunningDemo {
  contract: DemoContract;
  platform: RunningPlatform;
  clients: RunningClient[];
  close(): Promise<void>;
}

const STATE_FILE = 'demo-state.json';

/**
 * Broker users are global, vhosts are not: the demo on RabbitMQ names its clients' users after its
 * vhost (`<vhost>.U_SW…`), so demos in different vhosts of one broker never share a user.
 */
export function demoBrokerUserPrefix(exchangeUrl: string): string {
  const vhost = decodeURIComponent(new URL(exchangeUrl).pathname.replace(/^\//, ''));
  return vhost && vhost !== '/' ? `${vhost.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63)}.` : '';
}

export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const home = path.resolve(opts.home);
  await fs.mkdir(home, { recursive: true });
  const exchange = opts.exchange ?? 'http';
  const transport = exchange === 'http' ? 'http' : 'amqp';
  const store = opts.store
    ? /^postgres(ql)?:\/\//i.test(opts.store)
      ? opts.store
      : path.resolve(opts.store)
    : path.join(home, 'platform.db');
  const caFile = opts.caFile && path.resolve(opts.caFile);
  const statePath = path.join(home, STATE_FILE);
  const metricsToken = opts.metricsToken ?? crypto.randomBytes(24).toString('base64url');
  const earlier: DemoState | null = existsSync(statePath) ? JSON.parse(await fs.readFile(statePath, 'utf8')) : null;
  // a home set up before the demo named its users after the vhost keeps its unprefixed users
  const userPrefix = transport === 'amqp' ? (earlier ? (earlier.brokerUserPrefix ?? '') : demoBrokerUserPrefix(exchange)) : '';
  const platformConfig: PlatformConfig = {
    store,
    exchange,
    ...(caFile || userPrefix ? { amqp: { ...(caFile ? { caFile } : {}), ...(userPrefix ? { userPrefix } : {}) } } : {}),
    host: opts.host ?? '127.0.0.1',
    port: opts.port,
    sandboxPaceMs: opts.paceMs,
    webRoot,
    // webhook secrets are sealed with it (on PostgreSQL too)
    secretKeyFile: path.join(home, 'secret.key'),
    sandboxScenarioFile: opts.scenarioFile && path.resolve(opts.scenarioFile),
    metricsToken,
    ...(opts.webhookAllowPrivate ? { push: { webhookAllowPrivate: opts.webhookAllowPrivate } } : {}),
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
  };
  const platform = await startPlatform(platformConfig, opts.logger.child({ process: 'platform' }), { spanExporter: opts.spanExporter });
  const clients: RunningClient[] = [];
  try {
    let state: DemoState;
    if (earlier) {
      state = earlier;
      const was = state.transport ?? 'http';
      if (was !== transport)
        throw new Error(
          `${home} was set up with ${was === 'http' ? 'the HTTP exchange' : 'RabbitMQ'}, now ${transport === 'http' ? 'the HTTP exchange' : 'RabbitMQ'} is asked for; remove the folder (and the database) to start afresh`,
        );
    } else {
      if ((await platform.deps.store.identity.countEnterprises()) > 0)
        throw new Error(
          `${opts.store ? hidePassword(store) : home} holds a platform database but ${home} has no ${STATE_FILE}; use an empty database, or remove the folder to start afresh`,
        );
      state = { ...(await seedDemo(platform.deps, { transport })), ...(userPrefix ? { brokerUserPrefix: userPrefix } : {}) };
      // 0600 like every file of the demo that holds secrets (passwords, PINs, client secrets, sealed keys)
      await writeFileAtomic(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
    }
    // what the clients connect to: the platform's `amqp.clientUrl` (its exchange URL without its login)
    const brokerUrl = transport === 'amqp' ? (platform.deps.broker?.clientUrl ?? withoutLogin(exchange)) : undefined;

    const contractClients: DemoContract['clients'] = [];
    for (const c of state.clients) {
      const dir = path.join(home, 'clients', c.clientId);
      const impPath = path.join(dir, 'ImpPath');
      const card = state.cards.find((k) => k.cardNo === c.cardNo)!;
      const cardFile = path.join(dir, `card-${card.cardNo}.json`);
      if (!existsSync(cardFile)) {
        await fs.mkdir(dir, { recursive: true });
        await writeCardFile(cardFile, {
          cardNo: card.cardNo,
          kind: card.kind,
          enterpriseCode: card.enterpriseCode,
          encryptedPrivateKeyPem: card.encryptedPrivateKeyPem,
          kdf: card.kdf,
          publicKeyPem: card.publicKeyPem,
        });
      }
      const config: ClientConfigInput = {
        clientId: c.clientId,
        environment: 'test',
        platform: brokerUrl
          ? {
              url: brokerUrl,
              secret: c.secret,
              ...(userPrefix ? { brokerUser: userPrefix + brokerNames(c.clientId).user } : {}),
              ...(caFile ? { caFile } : {}),
            }
          : { url: platform.url, secret: c.secret },
        impPath,
        businesses: { declaration: { maxConcurrentTasks: 4 } },
        card: { file: cardFile, pin: card.pin },
        stableMs: opts.stableMs ?? 500,
        rescanMs: opts.rescanMs ?? 1000,
        sendRetryForMs: 10_000,
        retryBaseMs: 200,
        logDir: path.join(dir, 'logs'),
        // the demo logs for its clients too (its own log); the clients still keep their SWLog, as the official client does
        swLog: { enabled: opts.swLog ?? true, format: 'text' },
        statusPage: { enabled: true, host: '127.0.0.1', port: 0 },
        deviceId: `demo-${c.clientId}`,
      };
      const configFile = path.join(dir, 'osw-client.json');
      await writeFileAtomic(configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
      const running = await startClient(config, {
        logger: opts.logger.child({ process: 'client' }),
        lockDir: path.join(home, '.locks'),
        spanExporter: opts.spanExporter,
      });
      clients.push(running);
      const businesses: DemoContract['clients'][number]['businesses'] = {};
      for (const b of running.businesses)
        businesses[b.bizId] = {
          outBox: path.join(b.root, 'OutBox'),
          sentBox: path.join(b.root, 'SentBox'),
          failBox: path.join(b.root, 'FailBox'),
          inBox: path.join(b.root, 'InBox'),
        };
      const names = brokerNames(c.clientId);
      const broker = brokerUrl
        ? {
            url: brokerUrl,
            user: userPrefix + names.user,
            password: c.secret,
            exchange: names.exchange,
            sendQueue: names.sendQueue,
            receiveQueue: names.receiveQueue,
          }
        : undefined;
      contractClients.push({
        clientId: c.clientId,
        enterpriseCode: c.enterpriseCode,
        role: c.role,
        impPath,
        configFile,
        statusUrl: running.statusUrl,
        logDir: (opts.swLog ?? true) ? path.join(dir, 'logs') : null,
        businesses,
        ...(broker ? { broker } : {}),
      });
    }

    const contract: DemoContract = {
      platformUrl: platform.url,
      store: hidePassword(store),
      exchange: transport,
      ...(brokerUrl ? { brokerUrl } : {}),
      enterprises: state.enterprises.map(({ customsCode, uscc, name, role }) => ({ customsCode, uscc, name, role })),
      accounts: state.accounts.map(({ account, password, enterpriseCode, operatorCode }) => ({
        account,
        password,
        enterpriseCode,
        operatorCode,
      })),
      cards: state.cards.map(({ cardNo, pin, kind, enterpriseCode }) => ({ cardNo, pin, kind, enterpriseCode })),
      clients: contractClients,
      manuals: state.manuals,
      metrics: { url: `${platform.url}/metrics`, token: metricsToken },
    };
    await writeFileAtomic(path.join(home, 'demo.json'), JSON.stringify(contract, null, 2) + '\n', { mode: 0o600 });

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
  // the push tour is the importer's: it subscribes, the broker's declaration names it, the platform pushes
  const importer = contract.accounts.find((a) => a.enterpriseCode === owner.enterpriseCode)!;
  const brokerAcct = contract.accounts.find((a) => a.enterpriseCode === broker.enterpriseCode)!;
  // demos made before 用户管理 have no platform operator
  const platformAcct = contract.accounts.filter((a) => !contract.enterprises.some((e) => e.customsCode === a.enterpriseCode));
  const importerCard = contract.cards.find((c) => c.enterpriseCode === owner.enterpriseCode && c.kind === 'legal');
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return !r ? '.' : r.startsWith('..') ? p : r;
  };
  return [
    '',
    'open-single-window demo is running 单一窗口演示环境已启动',
    '',
    `  platform + console   ${contract.platformUrl}`,
    `  first time? 第一次?   log in as the importer 收发货人 ${importer.account} / ${importer.password} for the push tour 推送演示`,
    `                       (the broker 报关行 logs in as ${brokerAcct.account} / ${brokerAcct.password})`,
    ...platformAcct.map(
      (p) => `                       (the platform's operator 平台运维, who approves 服务地区变更: ${p.account} / ${p.password})`,
    ),
    `  broker client 报关行  ${broker.clientId}  ImpPath ${rel(broker.impPath)}`,
    ...(broker.statusUrl ? [`                       status page 导入监控 ${broker.statusUrl}`] : []),
    ...(broker.logDir
      ? [`                       daily log 日志 ${rel(path.join(broker.logDir, '<yyyyMMdd>', 'SWLog-<yyyyMMdd>.log'))}`]
      : []),
    `  importer client 收发货人 ${owner.clientId}  ImpPath ${rel(owner.impPath)}`,
    ...(owner.statusUrl ? [`                       status page 导入监控 ${owner.statusUrl}`] : []),
    ...(owner.logDir
      ? [`                       daily log 日志 ${rel(path.join(owner.logDir, '<yyyyMMdd>', 'SWLog-<yyyyMMdd>.log'))}`]
      : []),
    ...(contract.exchange === 'amqp'
      ? [
          `  store                ${contract.store}`,
          `  RabbitMQ             ${contract.brokerUrl}   (each client's broker user, password and queues: demo.json)`,
        ]
      : []),
    `  metrics              ${contract.metrics.url}   (Prometheus; bearer token in demo.json; each client's at <status page>/metrics)`,
    `  demo data            ${rel(path.join(home, 'demo.json'))}`,
    `  log                  ${rel(logFile)}`,
    '',
    'Push tour 推送演示 (as ' + importer.account + '):',
    `  数据订阅 › 报关单数据订阅: 查询客户端, then 数据订阅 with the 法人卡 ${importerCard?.cardNo ?? '(demo.json)'} PIN ${importerCard?.pin ?? '(demo.json)'}`,
    '  then send the declaration below: it names the importer, so 推送记录 lists its pushes,',
    `  and the importer's client files them in ${rel(owner.businesses.DecCus001?.inBox ?? owner.impPath)}/`,
    '',
    'Try it 试一试:',
    `  cp examples/declaration.xml ${rel(dec.outBox)}/`,
    `  ls ${rel(dec.sentBox)}/*/ ${rel(dec.inBox)}/`,
    '  → SentBox/<date>/declaration_<ts>.xml, InBox/Successed_declaration_<ts>.xml,',
    '    then InBox/Receipt_<统一编号>_<ts>.xml for CHANNEL 7 → L → J → P → R',
    '  the next declaration needs a ClientSeqNo (客户端编号) of its own, as an ERP gives each one:',
    `  sed 's/E53002026112100001/E53002026112100002/' examples/declaration.xml > ${rel(dec.outBox)}/declaration-2.xml`,
    '',
    'Ctrl+C stops (a second Ctrl+C stops at once).',
    '',
  ].join('\n');
}
