/** `osw client …`: the import client daemon and its operator commands. */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import {
  CLIENT_TRANSPORTS,
  createTransport,
  hashStatusPagePassword,
  IBM_MQ_REFUSAL,
  meansIbmMq,
  loadClientConfig,
  loadStatusPageSettings,
  remoteSigner,
  startClient,
  STATUS_PAGE_REQUEST_HEADER,
  writeFileAtomic,
  CONFIG_ENV,
  type ClientConfig,
  type StatusSnapshot,
} from '@osw/client';
import { BUSINESS_TYPES, OswError, receivedError } from '@osw/messages';
import { brokerNames } from '@osw/messages/exchange';
import { stopOnSignals } from './shutdown.js';
import {
  currentPlatform,
  defaultServiceName,
  environmentFileText,
  oswEntryPoint,
  serviceDefinition,
  SERVICE_NAME_PATTERN,
  SERVICE_PLATFORMS,
  type ServicePlatform,
} from './client-service.js';

function die(err: unknown, code = 1): never {
  const e = err as Error & { code?: string };
  process.stderr.write(`osw client: ${e instanceof OswError ? `[${e.code}] ` : ''}${e.message}\n`);
  process.exit(code);
}

/** One line from the terminal without echo, or from piped stdin. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0];
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let line = '';
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(null);
        if (c === '\u0003') return done(new Error('cancelled'));
        if (c === '\u007f' || c === '\b') line = line.slice(0, -1);
        else line += c;
      }
    };
    const done = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    stdin.on('data', onData);
  });
}

function load(file: string): ClientConfig {
  try {
    return loadClientConfig(file);
  } catch (err) {
    die(err, 2);
  }
}

/** The commented configuration `osw client init` writes. */
export function configTemplate(o: {
  clientId: string;
  platformUrl: string;
  impPath: string;
  environment: string;
  cardFile?: string;
}): string {
  const businesses = BUSINESS_TYPES.map(
    (b) => `  # ${b.type}:            # ${b.name}\n  #   bizId: ${b.defaultBizId}\n  #   enabled: true\n  #   maxConcurrentTasks: 1`,
  ).join('\n');
  return `# open-single-window import client (导入客户端) configuration
# Every setting may be left out to take its default. Environment variables override the file:
# OSW_CLIENT_SECRET, OSW_CLIENT_CARD_PIN, OSW_CLIENT_PLATFORM_URL, OSW_CLIENT_IMP_PATH, OSW_CLIENT_STATUS_PORT …
# Relative paths are relative to this file.

clientId: ${o.clientId}          # 客户端ID, issued by the platform (osw client apply fills it in)
environment: ${o.environment}              # test | prod — one machine runs one environment only

platform:
  url: ${o.platformUrl}
  # transport: https             # 传输方式: https (http:// or https:// url) or rabbitmq (amqp:// or amqps:// url); the url decides
                                 # when left out. IBM MQ is not supported.
  secret: ""                     # the transport password (传输设置), shown once at registration; or OSW_CLIENT_SECRET

impPath: ${o.impPath}            # 导入路径: every business has <impPath>/<BizID>/{OutBox,SentBox,FailBox,InBox}

# 业务设置: the 14 businesses of the manual, all enabled; rename a folder with bizId, move it with root,
# send several batches at once with maxConcurrentTasks (同时最大任务数), up to sendBatchFiles files each.
businesses:
  declaration:
    bizId: DecCus001
    maxConcurrentTasks: 4
    sendBatchFiles: 50
${businesses}
defaultBusiness: declaration     # where a push for a disabled or unknown business is written

# 卡/加密机设置: the IC card file and its PIN (卡密码); or OSW_CLIENT_CARD_PIN
card:
  file: ${o.cardFile ?? 'card.json'}
  pin: ""
# or, instead of card, a card held by a network signer (加密机, osw signer; docs/signing.md):
# signer:
#   url: https://signer.example.lan:17443
#   tokenFile: signer.token      # the token osw signer add-client issued (0600); or token, or OSW_CLIENT_SIGNER_TOKEN
#   caFile: signer-cert.pem      # a copy of the signer's tls-cert.pem
#   cardNo: "8950000000002"
#   pin: ""                      # or OSW_CLIENT_SIGNER_PIN

stableMs: 1000                   # a file is sent once its size and mtime stayed the same this long
rescanMs: 2000                   # OutBox is rescanned this often (file-system events get lost)
maxFileBytes: 52428800           # larger files fail with C906
sendTimeoutMs: 60000             # waiting for the platform's answer; the last try timing out gives C141 等待响应超时
sendRetryForMs: 300000           # while the platform cannot be reached, retry this long, then C18
autoResend:                      # 自动重发 of FailBox files that failed in transport (C18, C141)
  enabled: false
  attempts: 3
  intervalMs: 600000

sentBoxRetentionDays: 30         # SentBox/<date>/ folders older than this are removed (0 = keep)
cleanupAt: "03:00"               # daily cleanup time (China time); it also runs at start
logDir: logs                     # <logDir>/<yyyyMMdd>/SWLog-<yyyyMMdd>.log (China date), one line per send, receipt, failure
swLog:
  format: text                   # text: human-readable lines; json: one JSON object per line
logLevel: info
statusPage:                      # 导入监控 on http://127.0.0.1:<port>
  enabled: true
  host: 127.0.0.1
  port: 17080
  allowedHosts: [127.0.0.1, localhost, "::1"]   # names the page answers to (others: 421)
  # passwordHash: …              # a password for the page: osw client status-password --config <this file>
shutdownGraceMs: 10000           # first Ctrl+C: in-flight files get this long to finish
`;
}

async function statusApi(file: string, route: string, method = 'GET'): Promise<any> {
  let page: ClientConfig['statusPage'];
  try {
    page = loadStatusPageSettings(file);
  } catch (err) {
    die(err, 2);
  }
  const host = ['', '0.0.0.0', '::'].includes(page.host) ? '127.0.0.1' : page.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${page.port}${route}`;
  const password = process.env.OSW_CLIENT_STATUS_PASSWORD;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        [STATUS_PAGE_REQUEST_HEADER]: 'cli',
        ...(password ? { authorization: `Basic ${Buffer.from(`osw:${password}`).toString('base64')}` } : {}),
      },
    });
  } catch {
    throw new OswError(
      'OSW_CLIENT_NOT_RUNNING',
      `no client answers on ${url}: is it running with this config (statusPage.enabled, port ${page.port})?`,
    );
  }
  const body = await res.json();
  if (!res.ok) {
    const e = receivedError(body?.error, 'OSW_CLIENT_STATUS');
    throw new OswError(e.code, e.message ?? res.statusText);
  }
  return body;
}

export function clientCommands(program: Command): void {
  const client = program.command('client').description('the import client (导入客户端)');

  client
    .command('init')
    .description('write a commented configuration and create the business folders')
    .option('--config <file>', 'configuration file to write', 'osw-client.yaml')
    .option('--client-id <id>', 'client id (osw client apply can fill it in later)', 'DXPESW0000000000')
    .option('--platform-url <url>', 'platform base URL', 'http://127.0.0.1:8080')
    .option('--imp-path <dir>', 'ImpPath folder', 'ImpPath')
    .option('--environment <env>', 'test or prod', 'test')
    .option('--card-file <file>', 'IC card file')
    .option('--force', 'overwrite an existing configuration')
    .action(
      async (o: {
        config: string;
        clientId: string;
        platformUrl: string;
        impPath: string;
        environment: string;
        cardFile?: string;
        force?: boolean;
      }) => {
        if (existsSync(o.config) && !o.force) die(new Error(`${o.config} exists; use --force to overwrite it`), 2);
        // 0600: the file will hold the transport password and the card PIN
        await writeFileAtomic(o.config, configTemplate(o), { mode: 0o600 });
        const base = path.dirname(path.resolve(o.config));
        const impPath = path.resolve(base, o.impPath);
        const dirs: string[] = [];
        for (const b of BUSINESS_TYPES)
          for (const box of ['OutBox', 'SentBox', 'FailBox', 'InBox']) {
            const d = path.join(impPath, b.type === 'declaration' ? 'DecCus001' : b.defaultBizId, box);
            mkdirSync(d, { recursive: true });
            dirs.push(d);
          }
        process.stdout.write(
          `wrote ${o.config}; created ${dirs.length} folders under ${impPath}\nnext: osw client apply --config ${o.config} … (or fill in clientId and platform.secret), then osw client start --config ${o.config}\n`,
        );
      },
    );

  client
    .command('start')
    .description('run the import client (Ctrl+C once: finish in-flight files; twice: stop at once)')
    .requiredOption('--config <file>', 'configuration file')
    .action(async (o: { config: string }) => {
      const config = load(o.config);
      const crashAt = process.env.OSW_CLIENT_CRASH_AT;
      const fault = crashAt
        ? (point: string) => {
            if (point === crashAt) process.kill(process.pid, 'SIGKILL');
          }
        : undefined;
      const running = await startClient(config, { fault, lockDir: process.env.OSW_CLIENT_LOCK_DIR }).catch((err: unknown) => die(err, 1));
      const enabled = running.businesses.filter((b) => b.enabled);
      process.stdout.write(
        `import client ${running.clientId} (${config.environment}) is running: ${enabled.length} businesses under ${config.impPath}\n` +
          (running.statusUrl ? `status page 导入监控: ${running.statusUrl}\n` : '') +
          `logs: ${config.logDir}\n`,
      );
      stopOnSignals({
        stopping: `finishing files in flight (up to ${config.shutdownGraceMs} ms)… again to stop at once`,
        forced: 'claimed files are resumed at next start',
        stop: () => running.stop(),
      });
    });

  client
    .command('test-connection')
    .description('测试连接: check the platform, the send and receive paths, and the backlog waiting for this client')
    .requiredOption('--config <file>', 'configuration file')
    .action(async (o: { config: string }) => {
      const config = load(o.config);
      const t = createTransport(config, { sendTimeoutMs: Math.min(config.sendTimeoutMs, 15_000) }); // HTTP or RabbitMQ, by the URL's scheme
      const started = Date.now();
      try {
        const ping = await t.ping();
        const backlog = await t.backlog();
        process.stdout.write(
          `测试连接成功 connection OK: ${config.platform.url} answered as ${ping.clientId} in ${Date.now() - started} ms\n` +
            `  发送 send path: ok · 接收 receive path: ok · 队列积压 backlog waiting for this client: ${backlog}\n`,
        );
      } catch (err) {
        process.stdout.write(`测试连接失败 connection FAILED: ${config.platform.url}: ${(err as Error).message}\n`);
        process.exitCode = 1;
      } finally {
        await t.close();
      }
      // 加密机: the signer answers with the card (its certificate is read, nothing is signed)
      if (config.signer) {
        const signer = remoteSigner(config.signer, config);
        try {
          const card = await signer.openKey({ retry: false });
          process.stdout.write(
            `加密机连接成功 signer OK: ${config.signer.url}, card ${card.cardNo}${card.locked ? ' 已锁定 LOCKED' : ''} (certificate ${card.certificate})\n`,
          );
          if (card.locked) process.exitCode = 1;
        } catch (err) {
          process.stdout.write(`加密机连接失败 signer FAILED: ${(err as Error).message}\n`);
          process.exitCode = 1;
        } finally {
          await signer.close();
        }
      }
    });

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const)
    client
      .command(name)
      .argument('<bizId>', 'the business folder alias, e.g. DecCus001')
      .description(`${paused ? '暂停' : '启动'} sending and receiving of one business in the running client`)
      .requiredOption('--config <file>', 'configuration file')
      .action(async (bizId: string, o: { config: string }) => {
        try {
          await statusApi(o.config, `/api/businesses/${encodeURIComponent(bizId)}/${name}`, 'POST');
          process.stdout.write(`${bizId}: ${paused ? 'paused 已暂停' : 'resumed 已启动'}\n`);
        } catch (err) {
          die(err);
        }
      });

  client
    .command('status')
    .description('导入监控: the running client’s businesses, connection and card')
    .requiredOption('--config <file>', 'configuration file')
    .option('--json', 'print JSON')
    .action(async (o: { config: string; json?: boolean }) => {
      try {
        const s = (await statusApi(o.config, '/api/status')) as StatusSnapshot;
        if (o.json) return void process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        process.stdout.write(
          `${s.clientId} (${s.environment}) connection: ${s.connection.state}${s.connection.lastError ? ` (${s.connection.lastError})` : ''} · card: ${s.card ? `${s.card.cardNo ?? ''} ${s.card.state}` : '-'}\n`,
        );
        for (const b of s.businesses.filter((x) => x.enabled))
          process.stdout.write(
            `  ${b.bizId.padEnd(14)} ${b.paused ? 'PAUSED ' : 'running'}  OutBox ${b.outBoxBacklog}  in flight ${b.inFlight + b.queued}  sent ${b.sentToday}  failed ${b.failedToday}${b.lastError ? `  last error: ${b.lastError.message}` : ''}\n`,
          );
      } catch (err) {
        die(err);
      }
    });

  client
    .command('status-password')
    .description('set (or with --clear remove) the status page password: its hash goes into the config; the page then asks for it')
    .requiredOption('--config <file>', 'configuration file')
    .option('--clear', 'remove the password')
    .action(async (o: { config: string; clear?: boolean }) => {
      try {
        const doc = YAML.parseDocument(readFileSync(o.config, 'utf8'));
        doc.deleteIn(['statusPage', 'password']);
        if (o.clear) doc.deleteIn(['statusPage', 'passwordHash']);
        else {
          const password = process.env.OSW_CLIENT_STATUS_PASSWORD || (await readPassword('status page password 状态页密码: '));
          if (password.length < 8) throw new Error('the status page password needs at least 8 characters');
          doc.setIn(['statusPage', 'passwordHash'], await hashStatusPagePassword(password));
        }
        await writeFileAtomic(o.config, String(doc), { mode: 0o600 });
        process.stdout.write(
          o.clear
            ? `the status page of ${o.config} has no password now (restart the client)\n`
            : `the password's hash is stored in ${o.config}; restart the client. osw client status|pause|resume read the password from OSW_CLIENT_STATUS_PASSWORD\n`,
        );
      } catch (err) {
        die(err);
      }
    });

  client
    .command('apply')
    .description('自动导入客户端申请: register this client with a platform and store the issued id and credentials in the config')
    .requiredOption('--config <file>', 'configuration file (written by osw client init)')
    .requiredOption('--account <account>', 'operator account')
    .option('--password <password>', 'operator password (or OSW_PASSWORD)')
    .requiredOption('--card-no <cardNo>', 'the enterprise’s 法人卡 number')
    .option('--pin <pin>', 'its PIN (or OSW_CARD_PIN)')
    .option('--platform-url <url>', 'platform base URL (default: the config’s platform.url)')
    .option('--region <code>', '关区 (4 digits)', '5300')
    .option('--transport <t>', 'https or rabbitmq (IBM MQ is not supported)', 'https')
    .action(
      async (o: {
        config: string;
        account: string;
        password?: string;
        cardNo: string;
        pin?: string;
        platformUrl?: string;
        region: string;
        transport: string;
      }) => {
        // the transport is checked before anything is sent: no login, no card PIN for a transport the client cannot speak
        const transport = o.transport.trim().toLowerCase();
        if (meansIbmMq(o.transport)) die(new OswError('OSW_CLIENT_TRANSPORT_UNSUPPORTED', IBM_MQ_REFUSAL), 2);
        if (!(CLIENT_TRANSPORTS as readonly string[]).includes(transport))
          die(
            new OswError('OSW_VALIDATION', `--transport ${o.transport} is not known: the supported transports are https and rabbitmq`),
            2,
          );
        const text = readFileSync(o.config, 'utf8');
        const doc = YAML.parseDocument(text);
        const base = (o.platformUrl ?? String(doc.getIn(['platform', 'url']) ?? '')).replace(/\/+$/, '');
        const environment = String(doc.get('environment') ?? 'test');
        /** the API's answer: a session's token, an applied client's id and 传输设置, or an error */
        type Answer = {
          token: string;
          clientId: string;
          transport: string;
          environment: string;
          transportSettings?: { password?: string; user?: string; [k: string]: unknown };
          error?: { code?: string; message?: string };
        };
        const call = async (route: string, body: unknown, token?: string): Promise<Answer> => {
          const res = await fetch(base + route, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify(body),
          });
          const json = (await res.json()) as Answer;
          if (!res.ok) {
            const e = receivedError(json?.error, 'OSW_REMOTE_ERROR');
            throw new OswError(e.code, e.message ?? `${res.status} ${res.statusText}`);
          }
          return json;
        };
        try {
          const session = await call('/api/v1/session', { account: o.account, password: o.password ?? process.env.OSW_PASSWORD ?? '' });
          const applied = await call(
            '/api/v1/clients',
            {
              region: o.region,
              version: '2.0',
              transport,
              environment,
              card: { cardNo: o.cardNo, pin: o.pin ?? process.env.OSW_CARD_PIN ?? '' },
            },
            session.token,
          );
          const settings = applied.transportSettings ?? {};
          doc.set('clientId', applied.clientId);
          doc.setIn(['platform', 'url'], base);
          doc.setIn(['platform', 'secret'], settings.password);
          // a RabbitMQ user with the deployment's prefix (amqp.userPrefix) is not the one the client derives from its id
          if (applied.transport === 'rabbitmq' && settings.user && settings.user !== brokerNames(applied.clientId).user)
            doc.setIn(['platform', 'brokerUser'], settings.user);
          await writeFileAtomic(o.config, String(doc), { mode: 0o600 });
          process.stdout.write(
            `客户端申请成功: client ${applied.clientId} registered (${applied.transport}, ${applied.environment}); id and transport password stored in ${o.config}\n` +
              `  endpoint: ${settings.endpoint ?? base}\n  next: osw client test-connection --config ${o.config}\n`,
          );
        } catch (err) {
          die(err);
        }
      },
    );

  serviceCommands(client);
}

interface ServiceOptions {
  config: string;
  name?: string;
  platform?: string;
  out?: string;
  user?: string;
  force?: boolean;
}

/** What install and uninstall both need: the validated config, the target platform, the definition. */
function planService(o: ServiceOptions) {
  const platform = (o.platform ?? currentPlatform()) as ServicePlatform;
  if (!SERVICE_PLATFORMS.includes(platform)) die(new Error(`--platform must be one of ${SERVICE_PLATFORMS.join(', ')}`), 2);
  const configFile = path.resolve(o.config);
  const config = load(configFile); // the same checks and messages as osw client start
  const name = o.name ?? defaultServiceName(platform, config.clientId);
  if (!SERVICE_NAME_PATTERN.test(name)) die(new Error(`--name may hold letters, digits, _ . @ - (got ${JSON.stringify(name)})`), 2);
  const out = path.resolve(o.out ?? '.');
  // what the config takes from this shell's environment: the service does not have this shell's environment
  const names = Object.keys(CONFIG_ENV).filter((n) => process.env[n]);
  const raw = YAML.parse(readFileSync(configFile, 'utf8')) as Record<string, any> | null;
  if (config.card && !raw?.card?.pin && !names.includes('OSW_CLIENT_CARD_PIN')) names.push('OSW_CLIENT_CARD_PIN');
  if (config.signer && !raw?.signer?.pin && !names.includes('OSW_CLIENT_SIGNER_PIN')) names.push('OSW_CLIENT_SIGNER_PIN');
  const envFile = names.length && platform !== 'windows' ? path.join(out, `${name}.env`) : undefined;
  const definition = serviceDefinition(
    { platform, name, config, configFile, node: process.execPath, entry: oswEntryPoint(), user: o.user, envFile, outDir: out },
    names,
  );
  return { platform, out, file: path.join(out, definition.fileName), envFile, names, definition };
}

function serviceCommands(client: Command): void {
  const service = client.command('service').description('write (or remove) the definition that runs the client as a system service');
  const platformHelp = `linux (systemd), macos (launchd) or windows (WinSW); default: this machine (${currentPlatform()})`;

  service
    .command('install')
    .description('write the service definition (0644, no secrets) into --out and print the commands that install and start it')
    .requiredOption('--config <file>', 'configuration file')
    .option('--name <name>', 'service name (default osw-client-<clientId>, on macOS cn.osw.client.<clientId>)')
    .option('--platform <platform>', platformHelp)
    .option('--out <dir>', 'folder to write into', '.')
    .option('--user <user>', 'account the service runs as')
    .option('--force', 'overwrite an existing definition')
    .action(async (o: ServiceOptions) => {
      const plan = planService(o);
      if (existsSync(plan.file) && !o.force) die(new Error(`${plan.file} exists; use --force to overwrite it`), 2);
      mkdirSync(plan.out, { recursive: true });
      await writeFileAtomic(plan.file, plan.definition.text, { mode: 0o644 });
      const lines = [`wrote ${plan.file}`];
      if (plan.envFile) {
        // an operator's filled-in file is never overwritten, not even with --force
        if (existsSync(plan.envFile)) lines.push(`kept ${plan.envFile} (it may hold what you filled in)`);
        else {
          await writeFileAtomic(plan.envFile, environmentFileText(plan.names, process.env), { mode: 0o600 });
          lines.push(`wrote ${plan.envFile} (0600): fill in ${plan.names.join(', ')} — the service reads them from there`);
        }
        if (o.user && plan.platform === 'macos') lines.push(`  the service runs as ${o.user}: sudo chown ${o.user} ${plan.envFile}`);
      }
      lines.push(...plan.definition.notes, '', 'to install and start it:', ...plan.definition.install.map((c) => `  ${c}`));
      process.stdout.write(lines.join('\n') + '\n');
    });

  service
    .command('uninstall')
    .description('remove the definition install wrote and print the commands that stop and remove the service')
    .requiredOption('--config <file>', 'configuration file')
    .option('--name <name>', 'service name given to install')
    .option('--platform <platform>', platformHelp)
    .option('--out <dir>', 'folder install wrote into', '.')
    .action((o: ServiceOptions) => {
      const plan = planService(o);
      if (!existsSync(plan.file))
        die(new Error(`${plan.file} does not exist: nothing to remove (--out, --name, --platform as given to install?)`), 2);
      const lines = ['first stop and remove the service:', ...plan.definition.uninstall.map((c) => `  ${c}`)];
      rmSync(plan.file);
      lines.push(`removed ${plan.file}`);
      if (plan.envFile && existsSync(plan.envFile))
        lines.push(`kept ${plan.envFile}: it holds secrets you filled in; delete it when no longer needed`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
