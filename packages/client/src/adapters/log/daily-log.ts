/**
 * Logs as the official client keeps them: `<logDir>/<yyyyMMdd>/SWLog-<yyyyMMdd>.log`, one JSON line
 * per event, a new file each China-time day. Secrets are redacted by pino before they get here.
 */
import { mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { chinaDay } from '@osw/messages';

export const CLIENT_LOG_REDACT = [
  'secret',
  '*.secret',
  '*.*.secret',
  'pin',
  '*.pin',
  '*.*.pin',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
];

export class DailyLogStream extends Writable {
  private day = '';
  private out: WriteStream | null = null;

  constructor(private readonly dir: string) {
    super();
  }

  /** the file today's lines go to */
  fileFor(now: Date): string {
    const d = chinaDay(now).replace(/-/g, '');
    return path.join(this.dir, d, `SWLog-${d}.log`);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const now = new Date();
    const day = chinaDay(now);
    if (day !== this.day || !this.out) {
      this.out?.end();
      const file = this.fileFor(now);
      mkdirSync(path.dirname(file), { recursive: true });
      this.out = createWriteStream(file, { flags: 'a' });
      this.day = day;
    }
    this.out.write(chunk, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.out) this.out.end(done);
    else done();
  }
}

export function dailyLogger(dir: string, level: string): { logger: pino.Logger; stream: DailyLogStream } {
  const stream = new DailyLogStream(dir);
  const logger = pino(
    { level, redact: { paths: CLIENT_LOG_REDACT, censor: '[REDACTED]' }, timestamp: pino.stdTimeFunctions.isoTime },
    stream,
  );
  return { logger, stream };
}
