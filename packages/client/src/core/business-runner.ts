/**
 * Runs one business: keeps the names waiting in OutBox in memory (from file-system events, and a
 * periodic listing because events get lost), waits until each file is completely written, claims
 * ready files into the work folder in batches (one folder sync per batch) and sends them in
 * batches of at most `sendBatchFiles`, `maxConcurrentTasks` (同时最大任务数) sends at once. Nothing is listed again
 * while the tasks are full: a finished batch wakes the next claim. On start it first resumes every
 * file a previous run had claimed. It can be paused and resumed (导入监控).
 */
import { chinaDay, fitFileName, isPartialName, StampGenerator } from '@osw/messages';
import { sendWorkBatch } from './batch-sender.js';
import type { SenderDeps, SenderOptions } from './sender.js';
import { StabilityTracker } from './stability.js';
import { claimedWorkName, parseWorkName } from './work-name.js';

export interface RunnerOptions extends SenderOptions {
  /** sends in flight at once (同时最大任务数) */
  maxConcurrentTasks: number;
  /** the most files one send carries */
  sendBatchFiles: number;
  stableMs: number;
  rescanMs: number;
}

/**
 * Calls back when something in OutBox may have changed, with the name when the system tells it
 * (without a name, OutBox is listed again); returns a stop function.
 */
export type OutBoxWatch = (onChange: (name?: string) => void) => Promise<() => Promise<void>>;

export interface StampSource {
  next(now: Date): string;
}

/** Stamps `yyyyMMddHHmmssfff` + 4-digit serial, unique and increasing within a process. */
export function stampSource(): StampSource {
  const g = new StampGenerator();
  return { next: (now) => g.next(now) };
}

export interface BusinessStats {
  paused: boolean;
  /** files waiting in OutBox, as last seen */
  outBoxBacklog: number;
  /** claimed, waiting for a free task */
  queued: number;
  inFlight: number;
  /** China-time day the counters below belong to */
  day: string;
  sentToday: number;
  failedToday: number;
  lastError: { at: string; file: string; message: string } | null;
}

export class BusinessRunner {
  private readonly stability: StabilityTracker;
  private readonly abort = new AbortController();
  /** files whose answer from the platform is awaited */
  private active = 0;
  /** sends whose answer is awaited (the tasks) */
  private tasks = 0;
  /** files of batches not settled yet (answered files being filed included) */
  private unsettled = 0;
  /** claimed, waiting for a free task */
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  /** OutBox names not claimed yet, in the order they are taken (the listing's, then as events name them) */
  private waiting = new Set<string>();
  /** names events brought while OutBox was being listed (the listing may not hold them) */
  private readonly arrivedWhileListing = new Set<string>();
  private listing: Promise<void> | null = null;
  private listTimer: NodeJS.Timeout | null = null;
  private filling: Promise<void> | null = null;
  private fillAgain = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopWatch: (() => Promise<void>) | null = null;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private paused = false;
  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly counters = { day: '', sent: 0, failed: 0, lastError: null as BusinessStats['lastError'] };

  constructor(
    private readonly deps: SenderDeps,
    private readonly opts: RunnerOptions,
    private readonly watch: OutBoxWatch,
    private readonly stamps: StampSource,
  ) {
    this.stability = new StabilityTracker(opts.stableMs);
    const outer = deps.observer;
    this.deps = {
      ...deps,
      observer: {
        ...outer,
        sent: (file, accepted) => {
          this.today().sent++;
          outer?.sent?.(file, accepted);
        },
        failed: (file, code, reason, archived) => {
          this.today().failed++;
          this.counters.lastError = { at: this.deps.clock.now().toISOString(), file, message: `[${code}] ${reason}` };
          outer?.failed?.(file, code, reason, archived);
        },
      },
    };
  }

  private today() {
    const day = chinaDay(this.deps.clock.now());
    if (this.counters.day !== day) Object.assign(this.counters, { day, sent: 0, failed: 0 });
    return this.counters;
  }

  async start(): Promise<void> {
    await this.deps.folders.ensure();
    for (const workName of await this.deps.folders.listWork()) if (parseWorkName(workName)) this.enqueue(workName);
    this.pump();
    this.stopWatch = await this.watch((name) => this.changed(name));
    const { rescanMs, stableMs } = this.opts;
    // the listing is the safety net for lost events (each listing schedules the next); the claim pass
    // looks again at files still being written
    this.timers.push(setInterval(() => this.fillSoon(), Math.max(50, Math.min(rescanMs, stableMs || rescanMs))));
    this.list();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.list();
    this.pump();
  }

  stats(): BusinessStats {
    const c = this.today();
    return {
      paused: this.paused,
      outBoxBacklog: this.waiting.size,
      queued: this.queue.length,
      inFlight: this.active,
      day: c.day,
      sentToday: c.sent,
      failedToday: c.failed,
      lastError: c.lastError,
    };
  }

  /**
   * Stops taking new files. Claimed files not yet started go back to OutBox; files being sent get
   * `graceMs` to finish, then are interrupted and stay claimed for the next start.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.listTimer) clearTimeout(this.listTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    await this.stopWatch?.();
    await this.listing;
    await this.filling;
    for (const workName of this.queue.splice(0)) {
      this.queued.delete(workName);
      await this.deps.folders
        .unclaim(workName)
        .catch((err) =>
          this.deps.logger.error({ err, workName }, 'could not return a claimed file to OutBox; it is resumed at next start'),
        );
    }
    if (this.unsettled > 0 && graceMs > 0) await Promise.race([this.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.abort.abort();
    await this.idle();
  }

  /** resolves when nothing is being sent or filed */
  idle(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** an event: the name is looked at by the next claim pass (a name gone is dropped there) */
  private changed(name?: string): void {
    if (this.stopped) return;
    if (name === undefined) return this.list();
    if (isPartialName(name)) return;
    this.waiting.add(name);
    if (this.listing) this.arrivedWhileListing.add(name);
    this.fillSoon();
  }

  /** Lists OutBox again: the names waiting are what is there now. */
  private list(): void {
    if (this.stopped || this.listing) return;
    const started = Date.now();
    this.listing = (async () => {
      const names = (await this.deps.folders.listOutBoxNames()).sort();
      const waiting = new Set(names);
      for (const name of this.arrivedWhileListing) waiting.add(name);
      this.waiting = waiting;
      this.stability.retain(waiting);
    })()
      .catch((err) => this.deps.logger.error({ err }, 'OutBox listing failed; will retry'))
      .finally(() => {
        this.listing = null;
        this.arrivedWhileListing.clear();
        this.fillSoon();
        // every rescanMs, but a listing that takes long (100,000 files waiting) takes at most a tenth of the time
        if (this.listTimer) clearTimeout(this.listTimer);
        if (!this.stopped) this.listTimer = setTimeout(() => this.list(), Math.max(this.opts.rescanMs, (Date.now() - started) * 10));
      });
  }

  /** room for claimed files waiting for a task: a few batches ahead, the rest stays visible in OutBox */
  private room(): number {
    return Math.max(0, Math.max(16, this.ahead() * 2) - this.queue.length - (this.unsettled - this.active));
  }

  /** files one round of tasks carries */
  private ahead(): number {
    return this.opts.maxConcurrentTasks * this.opts.sendBatchFiles;
  }

  private fillSoon(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = this.fill()
      .catch((err) => this.deps.logger.error({ err }, 'claiming files from OutBox failed; will retry'))
      .finally(() => {
        this.filling = null;
        // again only for news that came meanwhile and only with room: a full pool waits for a finished batch
        if (this.fillAgain && this.room() > 0) {
          this.fillAgain = false;
          this.fillSoon();
        }
      });
  }

  /** Claims the files next in line that are completely written, all in one batch. */
  private async fill(): Promise<void> {
    this.fillAgain = false;
    const room = this.room();
    if (this.paused || !room || !this.waiting.size) return;
    // only the files next in line are looked at: a pass costs the same with 10 or 100,000 files waiting
    const candidates: string[] = [];
    for (const name of this.waiting) if (candidates.push(name) >= Math.max(room * 2, 16)) break;
    const stats = await Promise.all(candidates.map((name) => this.deps.folders.statOutBox(name)));
    const ready: { name: string; workName: string }[] = [];
    candidates.forEach((name, n) => {
      const st = stats[n];
      if (!st) {
        this.waiting.delete(name);
        this.stability.forget(name);
      } else if (ready.length < room && this.stability.observe(name, st.size, st.mtimeMs, this.deps.clock.now().getTime())) {
        // a very long name is shortened once, here, so that every name derived from it fits on disk
        ready.push({ name, workName: claimedWorkName(this.stamps.next(this.deps.clock.now()), fitFileName(name)) });
      }
    });
    if (!ready.length || this.stopped || this.paused) return;
    const { claimed, error } = await this.deps.folders.claimMany(ready);
    ready.forEach(({ name, workName }, n) => {
      this.waiting.delete(name);
      this.stability.forget(name);
      if (claimed[n]) this.enqueue(workName);
    });
    this.pump();
    if (error) throw error;
  }

  private enqueue(workName: string): void {
    if (this.queued.has(workName)) return;
    this.queued.add(workName);
    this.queue.push(workName);
  }

  /**
   * Starts a batch for each free task while files wait; a task is free once its batch is answered,
   * so the next batch is sent while the last one is filed.
   */
  private pump(): void {
    while (!this.stopped && !this.paused && this.tasks < this.opts.maxConcurrentTasks && this.queue.length) {
      const batch = this.queue.splice(0, this.opts.sendBatchFiles);
      this.tasks++;
      this.active += batch.length;
      this.unsettled += batch.length;
      // the task is free once the platform answered (sendWorkBatch says so once); the batch is filed meanwhile
      const answered = () => {
        this.tasks--;
        this.active -= batch.length;
        if (this.stopped) return;
        this.pump();
        if (this.queue.length < this.ahead()) this.fillSoon();
      };
      sendWorkBatch(this.deps, this.opts, batch, this.abort.signal, answered)
        .then(() => {
          for (const workName of batch) this.retries.delete(workName);
        })
        .catch((err) => this.retryLater(batch, err))
        .finally(() => {
          this.unsettled -= batch.length;
          for (const workName of batch) this.queued.delete(workName);
          if (this.unsettled === 0) for (const w of this.idleWaiters.splice(0)) w();
          if (!this.stopped) {
            this.pump();
            if (this.queue.length < this.ahead()) this.fillSoon();
          }
        });
    }
  }

  /**
   * A local fault (disk full, permissions…): the files not yet filed stay claimed and are tried
   * again later (a file filed meanwhile is skipped then).
   */
  private retryLater(batch: string[], err: unknown): void {
    const tries = Math.max(...batch.map((w) => this.retries.get(w) ?? 0)) + 1;
    for (const workName of batch) this.retries.set(workName, tries);
    const waitMs = Math.min(60_000, 1000 * 2 ** Math.min(tries - 1, 6));
    this.counters.lastError = { at: this.deps.clock.now().toISOString(), file: batch[0], message: (err as Error).message };
    this.deps.logger.error(
      { err: (err as Error).message, workNames: batch, retryInMs: waitMs },
      'sending failed on a local fault; the files stay claimed and are tried again',
    );
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (this.stopped) return;
      for (const workName of batch) this.enqueue(workName);
      this.pump();
    }, waitMs);
    t.unref();
    this.retryTimers.add(t);
  }
}
