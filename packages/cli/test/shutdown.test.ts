/** Shutdown on signals: graceful on the first SIGINT/SIGTERM, forceful on the second. */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { signalExitCode, stopOnSignals, type ShutdownOptions } from '../src/shutdown.js';

const STUCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'stuck-stop.ts');

/** the helper wired to a fake process: signals are emitted by hand, exits and lines recorded */
function fakeProcess(options: Partial<ShutdownOptions> = {}) {
  const source = new EventEmitter();
  const exits: number[] = [];
  const lines: string[] = [];
  let finish!: () => void;
  let fail!: (err: Error) => void;
  let stops = 0;
  const dispose = stopOnSignals({
    stopping: 'finishing files in flight… (again to force)',
    stop: () => {
      stops++;
      return new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    },
    source,
    exit: (code) => void exits.push(code),
    write: (line) => void lines.push(line),
    ...options,
  });
  return { source, exits, lines, dispose, stops: () => stops, finish: () => finish(), fail: (err: Error) => fail(err) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('stopOnSignals', () => {
  it('the first signal runs the graceful stop and exits 0 only once it has finished', async () => {
    const p = fakeProcess();
    p.source.emit('SIGINT');
    expect(p.stops()).toBe(1);
    expect(p.lines).toEqual(['SIGINT: finishing files in flight… (again to force)\n']);
    await settle();
    expect(p.exits).toEqual([]);
    p.finish();
    await settle();
    expect(p.exits).toEqual([0]);
  });

  it('a second signal while the graceful stop is still running exits at once with 130, and says it was forced', async () => {
    const p = fakeProcess({ forced: 'claimed files are resumed at next start' });
    p.source.emit('SIGINT');
    await settle();
    p.source.emit('SIGINT');
    expect(p.exits).toEqual([130]);
    expect(p.lines).toHaveLength(2);
    expect(p.lines[1]).toBe('SIGINT again: forced, stopping at once; claimed files are resumed at next start\n');
    expect(p.stops()).toBe(1);
    // the graceful stop ending later changes nothing
    p.finish();
    await settle();
    expect(p.exits).toEqual([130]);
  });

  it('the exit code of a forced stop is the second signal’s: 143 for SIGTERM', () => {
    const twice = fakeProcess();
    twice.source.emit('SIGTERM');
    twice.source.emit('SIGTERM');
    expect(twice.exits).toEqual([143]);
    const mixed = fakeProcess();
    mixed.source.emit('SIGINT');
    mixed.source.emit('SIGTERM');
    expect(mixed.exits).toEqual([143]);
    expect(mixed.lines[1]).toMatch(/^SIGTERM again: forced/);
  });

  it('a graceful stop that fails exits 1 with the reason', async () => {
    const p = fakeProcess();
    p.source.emit('SIGTERM');
    p.fail(new Error('the store would not close'));
    await settle();
    expect(p.exits).toEqual([1]);
    expect(p.lines[1]).toBe('SIGTERM: the graceful stop failed: the store would not close\n');
  });

  it('a stop that throws before returning a promise exits 1 too', async () => {
    const p = fakeProcess({
      stop: () => {
        throw new Error('not started');
      },
    });
    p.source.emit('SIGINT');
    await settle();
    expect(p.exits).toEqual([1]);
  });

  it('listens to the signals it is given, and stops listening when disposed', () => {
    const p = fakeProcess({ signals: ['SIGHUP'] });
    expect(p.source.listenerCount('SIGINT')).toBe(0);
    expect(p.source.listenerCount('SIGHUP')).toBe(1);
    p.dispose();
    expect(p.source.listenerCount('SIGHUP')).toBe(0);
    p.source.emit('SIGHUP');
    expect(p.stops()).toBe(0);
  });

  it('exit codes follow the shell’s 128 + signal number', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
    expect(signalExitCode('SIGHUP')).toBe(129);
  });

  it('in a real process whose graceful stop hangs, the second signal ends it at once', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', STUCK], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    const until = async (ok: () => boolean, what: string) => {
      const end = Date.now() + 20_000;
      while (!ok()) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`${what} did not happen; stdout: ${out} stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => out.includes('ready'), 'the process to start');
      child.kill('SIGINT');
      await until(() => err.includes('SIGINT: stopping gracefully'), 'the graceful stop');
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode, 'the graceful stop never ends, so the process keeps running').toBeNull();
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 143, signal: null });
      const forced = err.split('\n').filter((l) => l.includes('forced'));
      expect(forced).toEqual(['SIGTERM again: forced, stopping at once; nothing was finished']);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
