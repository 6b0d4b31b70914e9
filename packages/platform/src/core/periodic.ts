/**
 * A round of work run every `tickMs`, one round at a time: a round still running when the next tick
 * comes is not started twice, and `stop()` waits for the round in progress. Workers (sandbox jobs,
 * pushes) are built on it.
 */
import type { Logger } from './ports.js';

export interface PeriodicRounds<T> {
  /** runs a round now, or joins the one in progress */
  runNow(): Promise<T>;
  stop(): Promise<void>;
}

export function startPeriodic<T>(round: () => Promise<T>, opts: { tickMs: number; logger: Logger; what: string }): PeriodicRounds<T> {
  let stopped = false;
  let running: Promise<T> | null = null;
  const runNow = () => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (stopped) return;
    runNow().catch((err) => opts.logger.error({ err }, `${opts.what} failed; will retry`));
  }, opts.tickMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
