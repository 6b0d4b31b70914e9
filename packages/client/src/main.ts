/** Composition root of the import client: folders, card, transport, runners, receiver, status page. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { businessType, hidePassword, OswError, silentLogger, systemClock, type Clock, type Logger } from '@osw/messages';
import { CardFileSigner, checkCardFileMode } from './adapters/card/card-file.js';
import { RemoteSigner, signerToken } from './adapters/signer/remote-signer.js';
import { checkPrivateFileMode } from './adapters/fs/private-file.js';
import { FsBusinessFolders } from './adapters/fs/business-folders.js';
import { FailBoxResender } from './adapters/fs/failbox-resend.js';
import { ReceivedJournal } from './adapters/fs/received-journal.js';
import { cleanSentBox, msUntilChinaTime } from './adapters/fs/sentbox-cleanup.js';
import { outBoxWatch } from './adapters/fs/watch.js';
import { AmqpTransport } from './adapters/amqp/transport.js';
import { HttpTransport } from './adapters/http/transport.js';
import { dailyLogger, teeLogger } from './adapters/log/daily-log.js';
import { deviceFingerprint } from './adapters/machine/device.js';
import { acquireEnvironmentLock } from './adapters/machine/environment-lock.js';
import { startStatusPage, type StatusSnapshot } from './adapters/status/status-page.js';
import { ClientMetrics } from './adapters/status/metrics.js';
import { openTracing, otlpEndpointOf, type SpanExporter } from '@osw/messages/otel';
import {
  parseClientConfig,
  redactedConfig,
  resolveBusinesses,
  type ClientConfig,
  type ClientConfigInput,
  type ResolvedBusiness,
} from './config.js';
import { BusinessRunner, stampSource } from './core/business-runner.js';
import { Receiver } from './core/receiver.js';
import type { Transport } from './core/ports.js';
import type { FaultPoint } from './core/sender.js';

export interface RunningClient {
  clientId: string;
  businesses: ResolvedBusiness[];
  /** the status page, when enabled */
  statusUrl: string | null;
  snapshot(): StatusSnapshot;
  setPaused(bizId: string, paused: boolean): boolean;
  /** resolves when no file is being sent right now */
  idle(): Promise<void>;
  /** graceful: queued files back to OutBox, in-flight ones get `shutdownGraceMs` (or graceMs) */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** a logger to use instead of the daily log files */
  logger?: Logger;
  clock?: Clock;
  /** test hook: called at each fault point */
  fault?: (point: FaultPoint) => void;
  /** folder for the machine-wide environment lock (tests) */
  lockDir?: string;
  /** tracing on with this exporter (tests: an in-memory one), whatever the configuration says */
  spanExporter?: SpanExporter;
}

/** The transport the platform URL names: RabbitMQ for amqp:// and amqps://, else the HTTP exchange. */
export function createTransport(config: ClientConfig, over: { sendTimeoutMs?: number } = {}): Transport {
  const device = deviceFingerprint(config.clientId, config.deviceId);
  const sendTimeoutMs = over.sendTimeoutMs ?? config.sendTimeoutMs;
  if (/^amqps?:/i.test(config.platform.url))
    return new AmqpTransport({
      url: config.platform.url,
      clientId: config.clientId,
      user: config.platform.brokerUser,
      password: config.platform.secret,
      caFile: config.platform.caFile,
      sendTimeoutMs,
      device,
      prefetch: config.receiveBatch,
    });
  return new HttpTransport({
    baseUrl: config.platform.url,
    clientId: config.clientId,
    secret: config.platform.secret,
    sendTimeoutMs,
    device,
  });
}

/** The card in a network signer (加密机): token from the config or its file, the CA from caFile. */
export function remoteSigner(s: NonNullable<ClientConfig['signer']>, config: ClientConfig): RemoteSigner {
  let ca: Buffer | undefined;
  try {
    ca = s.caFile ? readFileSync(s.caFile) : undefined;
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `signer.caFile cannot be read: ${(err as Error).message}`, { cause: err });
  }
  let token: string | undefined;
  let clientCert: { cert: Buffer; key: Buffer } | undefined;
  try {
    if (s.certFile && s.keyFile) clientCert = { cert: readFileSync(s.certFile), key: readFileSync(s.keyFile) };
    else token = signerToken(s);
  } catch (err) {
    const what = s.certFile ? 'signer.certFile or signer.keyFile' : 'signer.tokenFile';
    throw new OswError('OSW_CONFIG_INVALID', `${what} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return new RemoteSigner({
    url: s.url,
    token,
    clientCert,
    ca,
    cardNo: s.cardNo,
    pin: s.pin,
    timeoutMs: s.timeoutMs,
    retryForMs: s.retryForMs,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
  });
}

export async function startClient(input: ClientConfigInput | ClientConfig, opts: StartOptions = {}): Promise<RunningClient> {
  const config = parseClientConfig(input);
  const clock = opts.clock ?? systemClock;
  // a card file others may read is refused before anything starts (OSW_CARD_FILE_EXPOSED says how to fix it)
  if (config.card) await checkCardFileMode(config.card.file);
  if (config.signer?.tokenFile) await checkPrivateFileMode(config.signer.tokenFile, 'the signer token file');
  if (config.signer?.keyFile) await checkPrivateFileMode(config.signer.keyFile, "the key of the client's TLS certificate for the signer");
  // 加密机: its token and CA are read before anything starts, so that a missing file stops the client at once
  const remote = config.signer ? remoteSigner(config.signer, config) : null;
  const releaseLock = await acquireEnvironmentLock(config.clientId, config.environment, opts.lockDir);
  // SWLog: the daily log file, unless the embedding program logs for the client and did not ask for it too
  const daily =
    (config.swLog.enabled ?? !opts.logger)
      ? dailyLogger(config.logDir ?? path.join(path.dirname(config.impPath), 'logs'), config.logLevel, config.swLog.format)
      : null;
  const own = opts.logger && daily ? teeLogger(opts.logger, daily.logger) : (opts.logger ?? daily?.logger ?? silentLogger);
  const log = own.child({ clientId: config.clientId });
  log.info({ config: redactedConfig(config) }, 'import client starting');

  const otlpEndpoint = otlpEndpointOf(config.tracing.otlpEndpoint);
  const traced = openTracing({ ...config.tracing, otlpEndpoint }, opts.spanExporter);
  if (traced)
    log.info(
      { otlpEndpoint: otlpEndpoint ? hidePassword(otlpEndpoint) : '(in process)', serviceName: config.tracing.serviceName },
      'tracing on',
    );
  const tracing = traced ? { tracing: traced.tracing } : {};
  const transport = createTransport(config);
  const signer = config.card ? new CardFileSigner(config.card.file, config.card.pin) : remote;
  // open the card now so that its state (PIN missing, wrong, locked; a signer down) shows at once; files fail with the same code later
  await (signer instanceof RemoteSigner ? signer.openKey({ retry: false }) : signer?.openKey())?.catch((err) =>
    log.warn({ code: (err as { code?: string }).code, reason: (err as Error).message }, 'the card cannot be used'),
  );
  const businesses = resolveBusinesses(config);
  const stamps = stampSource();
  const runners = new Map<string, { business: ResolvedBusiness; runner: BusinessRunner }>();
  const folderByType = new Map<string, FsBusinessFolders>();
  // the status snapshot is defined below, once the runners and the receiver exist
  const metrics = new ClientMetrics(() => snapshot());
  const connection: StatusSnapshot['connection'] = { state: 'unknown', since: null, lastError: null };
  const setConnection = (ok: boolean, reason?: string) => {
    const state = ok ? 'ok' : 'down';
    if (connection.state !== state) Object.assign(connection, { state, since: clock.now().toISOString() });
    if (!ok) connection.lastError = reason ?? null;
  };
  const timers: NodeJS.Timeout[] = [];
  const resenders: FailBoxResender[] = [];

  for (const b of businesses) {
    const folders = new FsBusinessFolders(b.root);
    await folders.ensure();
    folderByType.set(b.type, folders);
    if (!b.enabled) continue;
    const resender = config.autoResend.enabled ? new FailBoxResender(folders.paths.failBox, folders.paths.outBox, config.autoResend) : null;
    await resender?.load();
    if (resender) resenders.push(resender);
    const runner = new BusinessRunner(
      {
        clientId: config.clientId,
        business: b.type,
        folders,
        transport,
        signer,
        clock,
        logger: log.child({ bizId: b.bizId }),
        fault: opts.fault,
        ...tracing,
        observer: {
          transportState: setConnection,
          sending: (file) => metrics.sending(b.bizId, file),
          sent: (file) => metrics.sent(b.bizId, file),
          failed: (file, code, _reason, archived) => {
            metrics.failed(b.bizId, file, code);
            void resender
              ?.recordFailure(file, archived.name, archived.day, code, clock.now())
              .catch((err) => log.error({ err }, 'could not record the failure for automatic re-send'));
          },
        },
      },
      {
        maxConcurrentTasks: b.maxConcurrentTasks,
        sendBatchFiles: b.sendBatchFiles,
        stableMs: config.stableMs,
        rescanMs: config.rescanMs,
        maxFileBytes: config.maxFileBytes,
        validateBeforeSend: b.validateBeforeSend,
        sendRetryForMs: config.sendRetryForMs,
        retryBaseMs: config.retryBaseMs,
        retryMaxMs: config.retryMaxMs,
      },
      outBoxWatch(folders.paths.outBox),
      stamps,
    );
    await runner.start();
    runners.set(b.bizId, { business: b, runner });
  }

  // SentBox cleanup at start and daily at cleanupAt; automatic re-send of transport failures
  const cleanup = async () => {
    for (const b of businesses) {
      const removed = await cleanSentBox(folderByType.get(b.type)!.paths.sentBox, config.sentBoxRetentionDays, clock.now());
      if (removed.length) log.info({ bizId: b.bizId, removed }, 'SentBox cleanup');
    }
  };
  await cleanup().catch((err) => log.error({ err }, 'SentBox cleanup failed'));
  const scheduleCleanup = () => {
    const t = setTimeout(
      () => {
        void cleanup()
          .catch((err) => log.error({ err }, 'SentBox cleanup failed'))
          .finally(scheduleCleanup);
      },
      msUntilChinaTime(config.cleanupAt, clock.now()),
    );
    t.unref();
    timers[0] = t;
  };
  scheduleCleanup();
  if (resenders.length) {
    const t = setInterval(
      () => {
        for (const r of resenders)
          void r
            .resendDue(clock.now())
            .then((moved) => moved.length && log.info({ moved }, 'FailBox files re-sent automatically'))
            .catch((err) => log.error({ err }, 'automatic re-send failed'));
      },
      Math.min(config.autoResend.intervalMs, 60_000),
    );
    t.unref();
    timers.push(t);
  }

  const journal = new ReceivedJournal(path.join(config.impPath, '.osw-state', 'received'), config.receivedRetentionDays);
  await journal.load(clock.now());
  const pausedTypes = () => new Set([...runners.values()].filter((r) => r.runner.stats().paused).map((r) => r.business.type));
  const receiver = new Receiver(
    {
      transport,
      journal,
      clock,
      logger: log.child({ component: 'receiver' }),
      onState: setConnection,
      fault: opts.fault,
      ...tracing,
      route(m) {
        const known = businessType(m.business) && businesses.find((b) => b.type === m.business)?.enabled;
        const type = known ? m.business : config.defaultBusiness;
        if (pausedTypes().has(type)) return null;
        return folderByType.get(type)!;
      },
    },
    {
      waitMs: config.receiveWaitMs,
      batch: config.receiveBatch,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      pausedBackoffMs: 2000,
    },
  );
  receiver.start();

  const startedAt = clock.now().toISOString();
  const snapshot = (): StatusSnapshot => ({
    clientId: config.clientId,
    environment: config.environment,
    startedAt,
    connection: { ...connection },
    card: signer ? signer.status() : null,
    received: { files: receiver.received, resends: receiver.resends, duplicatesDropped: receiver.duplicates, rejected: receiver.rejected },
    businesses: businesses.map((b) => {
      const r = runners.get(b.bizId)?.runner.stats();
      return {
        type: b.type,
        name: b.name,
        bizId: b.bizId,
        enabled: b.enabled,
        paused: r?.paused ?? false,
        outBoxBacklog: r?.outBoxBacklog ?? 0,
        queued: r?.queued ?? 0,
        inFlight: r?.inFlight ?? 0,
        sentToday: r?.sentToday ?? 0,
        failedToday: r?.failedToday ?? 0,
        lastError: r?.lastError ?? null,
      };
    }),
  });
  const setPaused = (bizId: string, paused: boolean) => {
    const r = runners.get(bizId);
    if (!r) return false;
    if (paused) r.runner.pause();
    else r.runner.resume();
    log.info({ bizId, paused }, paused ? 'business paused' : 'business resumed');
    return true;
  };
  const status = config.statusPage.enabled
    ? await startStatusPage({ snapshot, setPaused, metrics: () => metrics.text() }, config.statusPage)
    : null;
  if (status) log.info({ url: status.url }, 'status page');

  let stopped = false;
  return {
    clientId: config.clientId,
    businesses,
    statusUrl: status?.url ?? null,
    snapshot,
    setPaused,
    async idle() {
      await Promise.all([...runners.values()].map((r) => r.runner.idle()));
    },
    async stop(graceMs = config.shutdownGraceMs) {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all([...runners.values()].map((r) => r.runner.stop(graceMs)));
      await receiver.stop();
      await transport.close();
      if (signer instanceof RemoteSigner) await signer.close();
      await status?.close();
      await releaseLock();
      await traced?.shutdown().catch((err) => log.warn({ err }, 'tracing: the last spans could not be exported'));
      log.info({}, 'import client stopped');
      if (daily) await new Promise<void>((r) => daily.stream.end(() => r()));
    },
  };
}
