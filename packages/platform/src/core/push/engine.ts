/**
 * The push engine's delivery side. One round: turn pending stock requests into pushes, watch the
 * clients' health, claim due pushes and deliver each — into the client's exchange queue, by SMS,
 * into the app/WeChat feed, or by webhook — then move bulk resend jobs on and drop old payloads.
 *
 * At least once: a push keeps its message id through retries and resends; a failed attempt is
 * retried on the documented schedule; every attempt is recorded. A target that keeps failing is
 * suspended — its pushes are kept, not dropped, and one push (the probe) is tried every
 * `probeEveryMs`; a client is suspended when its queued pushes stay unacknowledged and comes back
 * the moment it acknowledges anything. Pushes of one document or one manual to one target never
 * overtake each other (the claim only takes the first not-handed push of each).
 *
 * With tracing on, each push handed to a client's queue (`osw.push.queue`) or delivered by another
 * channel (`osw.push.deliver`) has a span, a child of the trace context stored with the push by the
 * work that raised it; the delivery (and a webhook POST, as its `traceparent` header) carries it on.
 */
import type { Logger, TraceSpan } from '../ports.js';
import type { PlatformDeps } from '../ports.js';
import { queueClientPushes } from '../exchange/outbound.js';
import type { PushRow, PushTargetRow, Store, WebhookEndpointRow } from '../store.js';
import { startPeriodic } from '../periodic.js';
import { raiseManualStock } from './matching.js';
import { DEFAULT_PUSH_POLICY, type PushChannels, type PushPolicy } from './ports.js';
import { runResendJobs } from './resend.js';
import { webhookHeaders } from './webhook-signature.js';

/** next attempt of a push held while its client is suspended: it waits for the client, not for a time */
export const HELD = '9999-12-31T00:00:00.000Z';

export interface RoundResult {
  requests: number;
  delivered: number;
  queued: number;
  failed: number;
  held: number;
}

/**
 * The notifier's key for "pushes became due": raised after the commit that wrote them, in this
 * process and (LISTEN/NOTIFY on PostgreSQL) in the others; never a client id.
 */
export const PUSHES_DUE = '~pushes-due';

/** how often the engine looks for clients that leave their queued pushes unacknowledged */
const STALE_SCAN_EVERY_MS = 1000;

/** what the push log says of a webhook POST that got no HTTP answer, whatever the reason */
export const WEBHOOK_UNREACHABLE = 'webhook endpoint not reachable';

export class PushEngine {
  readonly policy: PushPolicy;
  private readonly log: Logger;
  private lastCleanup = 0;
  private lastStaleScan = -Infinity;

  constructor(
    private readonly deps: PlatformDeps,
    private readonly channels: PushChannels,
    policy: Partial<PushPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_PUSH_POLICY, ...policy };
    this.log = deps.logger.child({ component: 'push' });
  }

  private get store(): Store {
    return this.deps.store;
  }

  /** calls `listener` when pushes became due: a commit of this process, or a notice from another */
  onDue(listener: () => void): () => void {
    const offStore = this.store.pushes.onDue(listener);
    const offNotifier = this.deps.notifier.subscribe((key) => {
      if (key === PUSHES_DUE) listener();
    });
    return () => {
      offStore();
      offNotifier();
    };
  }

  /** One full round; returns what it did. Safe to run from several processes at once. */
  async runOnce(): Promise<RoundResult> {
    const out: RoundResult = { requests: 0, delivered: 0, queued: 0, failed: 0, held: 0 };
    out.requests = await this.stockRequests();
    await this.clientHealth();
    // rounds of claims until nothing is due: the next push of a document or manual becomes claimable
    // once the one before it is handed over (bounded, so one round never runs away)
    for (let i = 0; i < 100; i++) {
      const round = await this.claimRound();
      if (!round) break;
      out.queued += round.queued;
      const probed = new Set<string>();
      for (const p of round.rest) {
        const span = this.deps.tracing ? this.pushSpan('osw.push.deliver', p) : undefined;
        const r = await this.deliver(p, round.targets, probed, span?.traceparent).catch((err: unknown) => {
          span?.fail(err);
          span?.end();
          throw err;
        });
        if (span) {
          span.set({ 'osw.push.outcome': r });
          if (r === 'failed') span.fail('the delivery failed; it is retried on the schedule');
          span.end();
        }
        out[r]++;
        this.deps.metrics?.push(p.method, r, this.deps.clock.now().getTime() - Date.parse(p.createdAt));
      }
    }
    await runResendJobs(this.deps);
    await this.cleanup();
    return out;
  }

  private async stockRequests(): Promise<number> {
    let n = 0;
    for (const req of await this.store.pushRequests.pending(20)) {
      const now = this.deps.clock.now();
      const done = await this.store.transaction(async (tx) => {
        if (!(await tx.pushRequests.complete(req.id, now.toISOString()))) return false;
        await raiseManualStock(tx, req, now, this.policy.stockRowsPerMessage);
        return true;
      });
      if (done) n++;
    }
    return n;
  }

  /**
   * Suspends clients whose queued pushes stay unacknowledged; resumes those that acknowledged
   * since; holds new pushes of suspended targets.
   */
  private async clientHealth(): Promise<void> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    for (const t of await this.store.pushes.suspendedTargets()) {
      if (t.targetKey.startsWith('client:')) {
        if (await this.store.deliveries.ackedSince(t.targetKey.slice(7), t.suspendedAt!)) await this.resume(t.targetKey, now);
        else await this.store.pushes.setTargetStatus(t.targetKey, 'suspended', HELD);
      } else if (t.probeAt && t.probeAt > at) {
        // pushes written since the suspension wait for the probe too (and say so in the log)
        await this.store.pushes.setTargetStatus(t.targetKey, 'suspended', t.probeAt);
      }
    }
    // the stale-client scan reads every queued, unacknowledged push: once a second is often enough for
    // timeouts counted in minutes, however often the engine is woken
    if (now.getTime() - this.lastStaleScan < STALE_SCAN_EVERY_MS && now.getTime() >= this.lastStaleScan) return;
    this.lastStaleScan = now.getTime();
    const stale = await this.store.pushes.staleClientTargets(
      new Date(now.getTime() - this.policy.clientAckTimeoutMs).toISOString(),
      this.policy.clientMaxTakes,
    );
    for (const clientId of stale) {
      const key = `client:${clientId}`;
      const t = await this.store.pushes.getTarget(key);
      if (t?.suspendedAt) continue;
      await this.store.transaction(async (tx) => {
        await tx.pushes.upsertTarget({
          targetKey: key,
          consecutiveFailures: (t?.consecutiveFailures ?? 0) + 1,
          suspendedAt: at,
          probeAt: null,
          lastError: 'queued pushes not acknowledged (offline or failing)',
          updatedAt: at,
        });
        await tx.pushes.setTargetStatus(key, 'suspended', HELD);
      });
      this.log.warn({ clientId }, 'client suspended: its pushes are kept and flow again when it acknowledges');
    }
  }

  private async resume(targetKey: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.store.transaction(async (tx) => {
      await tx.pushes.upsertTarget({ targetKey, consecutiveFailures: 0, suspendedAt: null, probeAt: null, lastError: null, updatedAt: at });
      await tx.pushes.setTargetStatus(targetKey, 'pending', at);
    });
    this.log.info({ target: targetKey }, 'push target back: suspended pushes flow again');
  }

  private async deliver(
    p: PushRow,
    targets: Map<string, PushTargetRow | undefined>,
    probed: Set<string>,
    traceparent?: string,
  ): Promise<'delivered' | 'queued' | 'failed' | 'held'> {
    if (!targets.has(p.targetKey)) targets.set(p.targetKey, await this.store.pushes.getTarget(p.targetKey));
    const target = targets.get(p.targetKey);
    const now = this.deps.clock.now();
    const at = now.toISOString();
    if (target?.suspendedAt) {
      const probeDue = p.method !== 'client' && target.probeAt !== null && target.probeAt <= at && !probed.has(p.targetKey);
      if (!probeDue) {
        const nextProbe =
          target.probeAt && target.probeAt > at ? target.probeAt : new Date(now.getTime() + this.policy.probeEveryMs).toISOString();
        const next = p.method === 'client' ? HELD : nextProbe;
        await this.store.transaction(async (tx) => {
          // this push and every later one of the target wait for the target
          await tx.pushes.setTargetStatus(p.targetKey, 'suspended', next);
          await tx.pushes.recordAttempts([
            {
              pushId: p.id,
              change: { status: 'suspended', nextAttemptAt: next, lastError: p.lastError, countAttempt: false },
              attempt: { at, outcome: 'held', error: 'target suspended', durationMs: 0 },
            },
          ]);
        });
        return 'held';
      }
      probed.add(p.targetKey);
    }
    if (p.method === 'client') {
      await this.handOver([p]);
      return 'queued';
    }
    const started = this.deps.clock.now().getTime();
    const took = () => this.deps.clock.now().getTime() - started;
    try {
      await this.send(p, now, traceparent);
    } catch (err) {
      const message = (err as Error).message.slice(0, 500);
      await this.failed(p, target, message, now, took());
      targets.delete(p.targetKey);
      return 'failed';
    }
    await this.store.pushes.recordAttempts([
      {
        pushId: p.id,
        change: { status: 'delivered', nextAttemptAt: at, handedAt: at, deliveredAt: at, lastError: null, countAttempt: true },
        attempt: { at, outcome: 'delivered', error: null, durationMs: took() },
      },
    ]);
    if (target && (target.consecutiveFailures > 0 || target.suspendedAt)) {
      if (target.suspendedAt) await this.resume(p.targetKey, now);
      else await this.store.pushes.upsertTarget({ ...target, consecutiveFailures: 0, lastError: null, updatedAt: at });
      targets.delete(p.targetKey);
    }
    return 'delivered';
  }

  /**
   * One claim, in one transaction: the due pushes are picked; client pushes of targets in good health
   * go into their clients' queues at once (one update of the pushes, one insert of deliveries and one
   * of attempts); the others are leased for delivery after the commit. Then the clients are woken.
   */
  private async claimRound(): Promise<{ queued: number; rest: PushRow[]; targets: Map<string, PushTargetRow | undefined> } | null> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.policy.leaseMs).toISOString();
    let spans: TraceSpan[] = [];
    const round = await this.store.transaction(async (tx) => {
      const due = await tx.pushes.dueInTransaction(at, this.policy.batch);
      if (!due.length) return null;
      const keys = [...new Set(due.map((p) => p.targetKey))];
      const known = new Map((await tx.pushes.getTargets(keys)).map((t) => [t.targetKey, t]));
      const targets = new Map<string, PushTargetRow | undefined>(keys.map((k) => [k, known.get(k)]));
      const handOver = due.filter((p) => p.method === 'client' && !targets.get(p.targetKey)?.suspendedAt);
      if (handOver.length) spans = await this.queueInto(tx, handOver, at);
      const handed = new Set(handOver);
      const others = due.filter((p) => !handed.has(p));
      const leased = new Set(
        others.length
          ? await tx.pushes.lease(
              others.map((p) => p.id),
              at,
              leaseUntil,
            )
          : [],
      );
      const rest = others.filter((p) => leased.has(p.id)).map((p) => ({ ...p, nextAttemptAt: leaseUntil }));
      return { handOver, rest, targets };
    });
    // the spans end with the commit (a round rolled back ends none: unended spans are never exported)
    for (const span of spans) span.end();
    if (!round) return null;
    for (const p of round.handOver) this.deps.metrics?.push(p.method, 'queued', now.getTime() - Date.parse(p.createdAt));
    this.wakeClients(round.handOver);
    return { queued: round.handOver.length, rest: round.rest, targets: round.targets };
  }

  /** Client pushes into their clients' delivery queues: one transaction, a few set statements; then the clients are woken. */
  private async handOver(pushes: readonly PushRow[]): Promise<number> {
    const at = this.deps.clock.now().toISOString();
    const spans = await this.store.transaction((tx) => this.queueInto(tx, pushes, at));
    for (const span of spans) span.end();
    this.wakeClients(pushes);
    return pushes.length;
  }

  /** Client pushes into their queues, in the caller's transaction; with tracing on their spans, for the caller to end after the commit. */
  private async queueInto(tx: Store, pushes: readonly PushRow[], at: string): Promise<TraceSpan[]> {
    const spans = this.deps.tracing ? pushes.map((p) => this.pushSpan('osw.push.queue', p)) : [];
    await this.queueWith(tx, spans.length ? pushes.map((p, k) => ({ ...p, traceparent: spans[k].traceparent })) : pushes, at);
    return spans;
  }

  /** A push's span (tracing on): a child of the trace context stored with it. */
  private pushSpan(name: string, p: PushRow): TraceSpan {
    return this.deps.tracing!.start(name, {
      parent: p.traceparent,
      kind: 'producer',
      attributes: {
        'osw.push_id': p.id,
        'osw.message_id': p.messageId,
        'osw.push.method': p.method,
        'osw.push.target': p.targetKey,
        'osw.push.source': p.source,
        'osw.resend': p.resendCount,
      },
    });
  }

  private async queueWith(tx: Store, pushes: readonly PushRow[], at: string): Promise<void> {
    await queueClientPushes(tx, pushes, at);
    await tx.pushes.recordAttempts(
      pushes.map((p) => ({
        pushId: p.id,
        change: { status: 'pending', nextAttemptAt: at, handedAt: at, lastError: null, countAttempt: false },
        attempt: { at, outcome: 'queued', error: null, durationMs: 0 },
      })),
    );
  }

  private wakeClients(pushes: readonly PushRow[]): void {
    for (const clientId of new Set(pushes.map((p) => p.clientId!))) this.deps.notifier.notify(clientId);
  }

  private async send(p: PushRow, now: Date, traceparent?: string): Promise<void> {
    if (p.body === null) throw new Error('payload dropped by retention');
    switch (p.method) {
      case 'sms': {
        const phone = p.targetKey.split(':')[2];
        await this.channels.sms.send({ phone, text: p.body, enterpriseCode: p.enterpriseCode });
        return;
      }
      case 'app':
      case 'wechat': {
        const m = JSON.parse(p.body) as { title: string; text: string; payload: Record<string, unknown> };
        await this.channels.app.send({ enterpriseCode: p.enterpriseCode, channel: p.method, pushId: p.id, messageId: p.messageId, ...m });
        return;
      }
      case 'webhook': {
        const endpoint: WebhookEndpointRow | undefined = await this.store.webhooks.get(Number(p.targetKey.slice('webhook:'.length)));
        if (!endpoint || endpoint.disabledAt) throw new Error('webhook endpoint disabled');
        let res: { status: number };
        try {
          res = await this.channels.webhook.post(
            endpoint.url,
            traceparent
              ? { ...webhookHeaders(endpoint.secret, p.messageId, now, p.body), traceparent }
              : webhookHeaders(endpoint.secret, p.messageId, now, p.body),
            p.body,
            this.policy.webhookTimeoutMs,
          );
        } catch (err) {
          // the subscriber reads the push log: what the network said (refused ports, internal addresses) stays in ours
          this.log.info({ target: p.targetKey, msgId: p.messageId, err }, 'webhook POST failed');
          throw new Error(WEBHOOK_UNREACHABLE);
        }
        if (res.status < 200 || res.status > 299) throw new Error(`webhook answered HTTP ${res.status}`);
        return;
      }
      default:
        throw new Error(`no channel for push method ${p.method}`);
    }
  }

  private async failed(p: PushRow, target: PushTargetRow | undefined, error: string, now: Date, durationMs: number): Promise<void> {
    const at = now.toISOString();
    const failures = (target?.consecutiveFailures ?? 0) + 1;
    const schedule = this.policy.retryScheduleMs;
    const retryAt = new Date(now.getTime() + schedule[Math.min(p.attempts, schedule.length - 1)]).toISOString();
    const suspend = target?.suspendedAt != null || failures >= this.policy.suspendAfterFailures;
    const probeAt = new Date(now.getTime() + this.policy.probeEveryMs).toISOString();
    await this.store.transaction(async (tx) => {
      await tx.pushes.upsertTarget({
        targetKey: p.targetKey,
        consecutiveFailures: failures,
        suspendedAt: suspend ? (target?.suspendedAt ?? at) : null,
        probeAt: suspend ? probeAt : null,
        lastError: error,
        updatedAt: at,
      });
      if (suspend) await tx.pushes.setTargetStatus(p.targetKey, 'suspended', probeAt);
      await tx.pushes.recordAttempts([
        {
          pushId: p.id,
          change: {
            status: suspend ? 'suspended' : 'failed',
            nextAttemptAt: suspend ? probeAt : retryAt,
            lastError: error,
            countAttempt: true,
          },
          attempt: { at, outcome: 'failed', error, durationMs },
        },
      ]);
    });
    if (suspend && !target?.suspendedAt) this.log.warn({ target: p.targetKey, failures }, 'push target suspended: its pushes are kept');
    else this.log.info({ target: p.targetKey, msgId: p.messageId, error }, 'push failed; will retry');
  }

  private async cleanup(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastCleanup < this.policy.cleanupEveryMs) return;
    this.lastCleanup = now;
    const before = new Date(now - this.policy.retentionDays * 86_400_000).toISOString();
    const dropped = await this.dropOld(before);
    if (dropped.pushes || dropped.deliveries) this.log.info({ ...dropped, before }, 'retention: old push payloads dropped');
  }

  /** runs the retention cleanup now (tests, operators) */
  async cleanupNow(): Promise<{ pushes: number; deliveries: number }> {
    this.lastCleanup = this.deps.clock.now().getTime();
    return this.dropOld(new Date(this.lastCleanup - this.policy.retentionDays * 86_400_000).toISOString());
  }

  /** retention: payloads of delivered pushes, and acknowledged deliveries, from before an instant */
  private async dropOld(before: string): Promise<{ pushes: number; deliveries: number }> {
    return { pushes: await this.store.pushes.dropPayloads(before), deliveries: await this.store.deliveries.dropAcked(before) };
  }
}

export interface PushWorker {
  /** runs rounds until nothing is due; resolves with the last round */
  runDue(): Promise<RoundResult>;
  stop(): Promise<void>;
}

/**
 * Runs the engine when pushes became due (woken after the commit that wrote them, here or in another
 * process) and every `tickMs` for what no wake announced (retries coming due, missed notices); one
 * round at a time.
 */
export function startPushWorker(engine: PushEngine, logger: Logger, opts: { tickMs: number }): PushWorker {
  let inRound = false;
  const rounds = startPeriodic(
    async () => {
      inRound = true;
      try {
        return await engine.runOnce();
      } finally {
        inRound = false;
      }
    },
    { tickMs: opts.tickMs, logger, what: 'push round' },
  );
  let stopped = false;
  let again = false;
  let woken: Promise<void> | null = null;
  const wake = () => {
    again = true;
    if (woken || stopped) return;
    woken = (async () => {
      while (again && !stopped) {
        // a round in progress may have claimed before this commit: one more round after it
        again = inRound;
        await rounds.runNow();
      }
    })()
      .catch((err) => logger.error({ err }, 'push round failed; will retry'))
      .finally(() => {
        woken = null;
      });
  };
  const off = engine.onDue(wake);
  return {
    runDue: rounds.runNow,
    async stop() {
      stopped = true;
      off();
      await woken;
      await rounds.stop();
    },
  };
}
