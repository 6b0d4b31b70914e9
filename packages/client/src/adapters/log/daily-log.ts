/**
 * Logs as the official client keeps them (SWLog): `<logDir>/<yyyyMMdd>/SWLog-<yyyyMMdd>.log`, a new
 * file each China-time day, one line per event. `text` lines are for people (China time, level,
 * business, what happened in the manual's words, then the file, message id, receipt, failCode and
 * reason); `json` lines are pino's own. Secrets are redacted by pino before they get here.
 */
import { mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { chinaDateTime, chinaDay, type Logger } from '@osw/messages';

export type SwLogFormat = 'text' | 'json';

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

/** What an event is called in a text line: the official client's words, then the log message. */
const EVENT_NAMES: Record<string, string> = {
  sent: '发送成功',
  'send failed: moved to FailBox': '发送失败',
  'send failed; will retry': '发送失败，稍后重试',
  'file refused locally: moved to FailBox': '本地检查未通过',
  'file name cannot be carried: moved to FailBox': '文件名无法传输',
  'received into InBox': '接收成功',
  'already received: dropped the duplicate': '重复接收，已丢弃',
  'receive failed; will retry': '接收失败，稍后重试',
  'import client starting': '客户端启动',
  'import client stopped': '客户端停止',
  'the card cannot be used': '卡不可用',
  'FailBox files re-sent automatically': 'FailBox文件自动重发',
  'business paused': '业务暂停',
  'business resumed': '业务恢复',
  'status page': '导入监控页面',
  'SentBox cleanup': 'SentBox清理',
};
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** fields every line carries anyway, or that the file already says */
const SKIPPED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'clientId', 'bizId', 'component', 'process']);
/** the fields people look for first, in this order */
const FIRST = ['file', 'msgId', 'receipt', 'failCode', 'reason', 'attempt', 'retryInMs', 'business'];

function value(v: unknown): string {
  if (v !== null && typeof v === 'object') {
    // an error: its message, not its stack (one line per event)
    if ('message' in v && typeof (v as { message: unknown }).message === 'string') return value((v as { message: string }).message);
    return JSON.stringify(v);
  }
  const s = String(v).replace(/\s*[\r\n]+\s*/g, ' ');
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

/** One pino record as a human-readable line: `2026-11-21 10:00:00.123 INFO  [DecCus001] 发送成功 (sent) file=… msgId=…`. */
export function textLine(record: Record<string, unknown>): string {
  const at = new Date(typeof record.time === 'string' || typeof record.time === 'number' ? record.time : Date.now());
  const ms = String(at.getUTCMilliseconds()).padStart(3, '0');
  const level = (LEVELS[Number(record.level)] ?? String(record.level ?? '')).padEnd(5);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const name = EVENT_NAMES[msg];
  const where = record.bizId ? ` [${String(record.bizId)}]` : record.component ? ` [${String(record.component)}]` : '';
  const keys = [...FIRST.filter((k) => k in record), ...Object.keys(record).filter((k) => !SKIPPED.has(k) && !FIRST.includes(k))];
  const fields = keys
    .filter((k) => record[k] !== undefined && record[k] !== null)
    .map((k) => `${k}=${value(record[k])}`)
    .join(' ');
  return `${chinaDateTime(at)}.${ms} ${level}${where} ${name ? `${name} (${msg})` : msg}${fields ? ` ${fields}` : ''}`;
}

export class DailyLogStream extends Writable {
  private day = '';
  private out: WriteStream | null = null;

  constructor(
    private readonly dir: string,
    private readonly format: SwLogFormat = 'json',
  ) {
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
    this.out.write(this.format === 'text' ? this.asText(chunk) : chunk, done);
  }

  /** the lines that waited while a write was on its way: one write for all of them */
  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this._write(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), 'utf8', done);
  }

  private asText(chunk: Buffer): string {
    return (
      String(chunk)
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          try {
            return textLine(JSON.parse(l) as Record<string, unknown>);
          } catch {
            return l;
          }
        })
        .join('\n') + '\n'
    );
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.out) this.out.end(done);
    else done();
  }
}

export function dailyLogger(dir: string, level: string, format: SwLogFormat = 'json'): { logger: pino.Logger; stream: DailyLogStream } {
  const stream = new DailyLogStream(dir, format);
  const logger = pino(
    { level, redact: { paths: CLIENT_LOG_REDACT, censor: '[REDACTED]' }, timestamp: pino.stdTimeFunctions.isoTime },
    stream,
  );
  return { logger, stream };
}

/** A logger that writes each event to both: the embedding program's logger and the client's SWLog. */
export function teeLogger(a: Logger, b: Logger): Logger {
  const both =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (obj: object, msg?: string): void => {
      if (msg === undefined) {
        a[level](obj);
        b[level](obj);
      } else {
        a[level](obj, msg);
        b[level](obj, msg);
      }
    };
  return {
    info: both('info'),
    warn: both('warn'),
    error: both('error'),
    debug: both('debug'),
    child: (bindings) => teeLogger(a.child(bindings), b.child(bindings)),
  };
}
