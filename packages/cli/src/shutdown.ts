/**
 * Shutdown on signals, the same for every long-running command (`osw demo`, `osw platform start`,
 * `osw client start`): the first SIGINT or SIGTERM stops gracefully (files and imports in flight
 * finish), the second stops at once.
 *
 *   first signal   prints "<SIGNAL>: <stopping>", runs `stop`, then exits 0 (1 if `stop` failed)
 *   second signal  prints "<SIGNAL> again: forced, stopping at once[; <forced>]" and exits at once
 *                  with 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM (1 for a signal
 *                  without a number)
 */
import { constants } from 'node:os';

/** What the helper needs of `process`; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface ShutdownOptions {
  /** the graceful stop; the process exits once it has settled */
  stop: () => Promise<void>;
  /** said on the first signal, after "SIGINT: ", e.g. "finishing files in flight… (again to force)" */
  stopping: string;
  /** added to the line of the second signal, e.g. "claimed files are resumed at next start" */
  forced?: string;
  /** default SIGINT and SIGTERM */
  signals?: readonly NodeJS.Signals[];
  /** default `process` */
  source?: SignalSource;
  /** default `process.exit` */
  exit?: (code: number) => void;
  /** one line, with its newline; default standard error */
  write?: (line: string) => void;
}

/** The exit code of a process ended by `signal`, as shells report it: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const n = constants.signals[signal];
  return typeof n === 'number' ? 128 + n : 1;
}

/**
 * Listens for the shutdown signals until the process exits. Returns a function that stops
 * listening (for tests; a command never needs it).
 */
export function stopOnSignals(options: ShutdownOptions): () => void {
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  let stopping = false;
  let exited = false;
  const leave = (code: number) => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (exited) return;
    if (stopping) {
      write(`${signal} again: forced, stopping at once${options.forced ? `; ${options.forced}` : ''}\n`);
      leave(signalExitCode(signal));
      return;
    }
    stopping = true;
    write(`${signal}: ${options.stopping}\n`);
    let stopped: Promise<void>;
    try {
      stopped = options.stop();
    } catch (err) {
      stopped = Promise.reject(err);
    }
    stopped.then(
      () => leave(0),
      (err: unknown) => {
        if (exited) return;
        write(`${signal}: the graceful stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
        leave(1);
      },
    );
  };

  const listeners = (options.signals ?? ['SIGINT', 'SIGTERM']).map((signal) => {
    const listener = () => onSignal(signal);
    source.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}
