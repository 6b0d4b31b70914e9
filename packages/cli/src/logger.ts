/** pino for processes: to a file or stdout, with secrets redacted. */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';

export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'pin',
  '*.pin',
  'secret',
  '*.secret',
  '*.*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
];

export async function fileLogger(file: string, level = 'info') {
  mkdirSync(path.dirname(file), { recursive: true });
  const dest = pino.destination({ dest: file, sync: false, mkdir: true });
  await once(dest, 'ready');
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, dest);
}

export function silentLogger() {
  return pino({ level: 'silent' });
}
