/**
 * Runs one business: finds files in OutBox (file-system events and a periodic rescan, because
 * events get lost), waits until each is completely written, claims it into the work folder and
 * sends it, at most `maxConcurrentTasks` (同时最大任务数) at once. On start it first resumes every
 * file a previous run had claimed. It can be paused and resumed (导入监控).
 */
import { chinaDay, fitFileName, StampGenerator } from '@osw/messages';
import { LocalFault, sendWorkFile, type SenderDeps, type SenderOptions } from './sender.js';
import { StabilityTracker } from './stability.js';
import { claimedWorkName, parseWorkName } from './work-name.js';

export interface RunnerOptions extends SenderOptions {
  maxConcurrentTasks: number;
  stableMs: number;
  rescanMs: number;
}

/** Calls back when something in OutBox may have changed; returns a stop function. */
export type OutBoxWatch = (onChange: () => void) => Promise<() => Promise<void>>;

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
  /** files waiting in OutBox at the last scan */
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
  private active = 0;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private scanning: Promise<void> | null = null;
  private rescanAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private stopWatch: (() => Promise<void>) | null = null;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private paused = false;
  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly counters = { day: '', sent: 0, failed: 0, backlog: 0, lastError: null as BusinessStats['lastError'] };

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
    this.stopWatch = await this.watch(() => this.scanSoon());
    this.timer = setInterval(() => this.scanSoon(), Math.max(50, Math.min(this.opts.rescanMs, this.opts.stableMs || this.opts.rescanMs)));
    this.scanSoon();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.scanSoon();
    this.pump();
  }

  stats(): BusinessStats {
    const c = this.today();
    return {
      paused: this.paused,
      outBoxBacklog: c.backlog,
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
    if (this.timer) clearInterval(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    await this.stopWatch?.();
    await this.scanning?.catch(() => undefined);
    for (const workName of this.queue.splice(0)) {
      this.queued.delete(workName);
      await this.deps.folders
        .unclaim(workName)
        .catch((err) =>
          this.deps.logger.error({ err, workName }, 'could not return a claimed file to OutBox; it is resumed at next start'),
        );
    }
    if (this.active > 0 && graceMs > 0) await Promise.race([this.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.abort.abort();
    await this.idle();
  }

  /** resolves when nothing is being sent */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private scanSoon(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescanAgain = true;
      return;
    }
    this.scanning = this.scan()
      .catch((err) => this.deps.logger.error({ err }, 'OutBox scan failed; will retry'))
      .finally(() => {
        this.scanning = null;
        if (this.rescanAgain) {
          this.rescanAgain = false;
          this.scanSoon();
        }
      });
  }

  private async scan(): Promise<void> {
    const names = (await this.deps.folders.listOutBoxNames()).sort();
    this.counters.backlog = names.length;
    if (this.paused) return;
    this.stability.retain(new Set(names));
    // do not claim far ahead of what can be sent: the rest stays visible in OutBox, and only the
    // files next in line are looked at (a scan costs the same with 10 or 100,000 files waiting)
    const room = Math.max(0, this.opts.maxConcurrentTasks * 4 - this.queue.length);
    const candidates = names.slice(0, Math.max(room * 2, 16));
    let claimed = 0;
    for (const name of candidates) {
      if (this.stopped || this.paused || claimed >= room) break;
      const st = await this.deps.folders.statOutBox(name);
      if (!st || !this.stability.observe(name, st.size, st.mtimeMs, this.deps.clock.now().getTime())) continue;
      // a very long name is shortened once, here, so that every name derived from it fits on disk
      const workName = claimedWorkName(this.stamps.next(this.deps.clock.now()), fitFileName(name));
      if (await this.deps.folders.claim(name, workName)) {
        this.stability.forget(name);
        this.counters.backlog = Math.max(0, this.counters.backlog - 1);
        claimed++;
        this.enqueue(workName);
      }
    }
    if (claimed >= room && names.length > claimed) this.rescanAgain = true;
  }

  private enqueue(workName: string): void {
    if (this.queued.has(workName)) return;
    this.queued.add(workName);
    this.queue.push(workName);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.active < this.opts.maxConcurrentTasks && this.queue.length) {
      const workName = this.queue.shift()!;
      this.active++;
      sendWorkFile(this.deps, this.opts, workName, this.abort.signal)
        .then(() => {
          this.retries.delete(workName);
        })
        .catch((err) => {
          // a local fault (disk full, permissions…): the file stays claimed and is tried again later,
          // under the name it has now (a signed file is not signed twice)
          const current = err instanceof LocalFault ? err.workName : workName;
          const tries = (this.retries.get(workName) ?? 0) + 1;
          this.retries.delete(workName);
          this.retries.set(current, tries);
          const waitMs = Math.min(60_000, 1000 * 2 ** Math.min(tries - 1, 6));
          this.counters.lastError = { at: this.deps.clock.now().toISOString(), file: workName, message: (err as Error).message };
          this.deps.logger.error(
            { err: (err as Error).message, workName, retryInMs: waitMs },
            'sending failed on a local fault; the file stays claimed and is tried again',
          );
          if (!this.stopped) {
            const t = setTimeout(() => {
              if (!this.stopped) this.enqueue(current);
            }, waitMs);
            t.unref();
            this.retryTimers.add(t);
          }
        })
        .finally(() => {
          this.active--;
          this.queued.delete(workName);
          if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
          if (!this.stopped) {
            this.pump();
            if (this.queue.length < this.opts.maxConcurrentTasks) this.scanSoon();
          }
        });
    }
  }
}
