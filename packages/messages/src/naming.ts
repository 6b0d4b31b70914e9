/**
 * File-naming rules of the import client's folder protocol (DESIGN.md §6).
 *
 *   SentBox/<yyyy-MM-dd>/<name>_<ts>.<ext>     FailBox/<yyyy-MM-dd>/<name>_<ts>.<ext>
 *   InBox/Successed_<name>_<ts>.xml            InBox/Failed_<name>_<ts>.xml
 *   InBox/Receipt_<CUS_CIQ_NO|MessageId>_<ts>.xml
 *
 * `<ts>` is `yyyyMMddHHmmssfff` in China time followed by a serial (4 digits here, 21 digits in all);
 * readers may rely on the first 14 digits only.
 */
import { chinaCompactMillis, chinaDay } from './time.js';

export const STAMP_SERIAL_DIGITS = 4;

/** `<ts>`: China-time millis plus a serial, e.g. `201912232136584150001`. */
export function fileStamp(date: Date, serial: number): string {
  const s = String(Math.abs(Math.trunc(serial)) % 10 ** STAMP_SERIAL_DIGITS).padStart(STAMP_SERIAL_DIGITS, '0');
  return chinaCompactMillis(date) + s;
}

/** The date folder under SentBox/FailBox for a moment. */
export function dayFolder(date: Date): string {
  return chinaDay(date);
}

/** Splits `a.b.xml` into `{ base: 'a.b', ext: 'xml' }`; a name without a dot has ext ''. */
export function splitName(fileName: string): { base: string; ext: string } {
  const i = fileName.lastIndexOf('.');
  if (i <= 0) return { base: fileName, ext: '' };
  return { base: fileName.slice(0, i), ext: fileName.slice(i + 1) };
}

function withExt(base: string, ext: string): string {
  return ext ? `${base}.${ext}` : base;
}

/** `<name>_<ts>.<ext>`: the name a file gets in SentBox or FailBox. */
export function archivedName(fileName: string, stamp: string): string {
  const { base, ext } = splitName(fileName);
  return withExt(`${base}_${stamp}`, ext);
}

/**
 * The name of a file sent again under a new stamp: `<name>_<ts>.<ext>` with its `<ts>` replaced (a
 * name without one gets it appended), so the new file never takes the place of the earlier one.
 */
export function restampedName(fileName: string, stamp: string): string {
  const { base, ext } = splitName(fileName);
  const m = /^(.+)_\d{14,23}$/.exec(base);
  return withExt(`${m ? m[1] : base}_${stamp}`, ext);
}

/** `Successed_<name>_<ts>.xml` (the manual prints "Successted_"; every real client writes "Successed_"). */
export function successedName(fileName: string, stamp: string): string {
  return `Successed_${splitName(fileName).base}_${stamp}.xml`;
}

/** `Failed_<name>_<ts>.xml`. */
export function failedName(fileName: string, stamp: string): string {
  return `Failed_${splitName(fileName).base}_${stamp}.xml`;
}

/** `Receipt_<key>_<ts>.xml`, key = CUS_CIQ_NO for declarations, MessageId for manifests and Packages. */
export function receiptName(key: string, stamp: string): string {
  return `Receipt_${key}_${stamp}.xml`;
}

export type InBoxKind = 'successed' | 'failed' | 'receipt';

/** Reads an InBox file name back; null when it is not one of ours. */
export function parseInBoxName(fileName: string): { kind: InBoxKind; key: string; stamp: string } | null {
  const m = /^(Successed|Successted|Failed|Receipt)_(.+)_(\d{14,23})\.xml$/i.exec(fileName);
  if (!m) return null;
  const prefix = m[1].toLowerCase();
  const kind: InBoxKind = prefix.startsWith('fail') ? 'failed' : prefix.startsWith('receipt') ? 'receipt' : 'successed';
  return { kind, key: m[2], stamp: m[3] };
}

/** Names the client must never pick up from OutBox: temporary or partial files. */
export function isPartialName(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return (
    fileName.startsWith('.') ||
    fileName.startsWith('~') ||
    lower.endsWith('.tmp') ||
    lower.endsWith('.part') ||
    lower.endsWith('.partial') ||
    lower.endsWith('.crdownload') ||
    lower.endsWith('.swp')
  );
}

/**
 * `<ts>` stamps that are unique within a process and sort by time: the same or an earlier
 * millisecond (clock step back) reuses the last millisecond with the next serial.
 */
export class StampGenerator {
  private lastMs = -1;
  private serial = 0;

  next(now: Date): string {
    let ms = now.getTime();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.serial++;
      if (this.serial >= 10 ** STAMP_SERIAL_DIGITS) {
        ms += 1;
        this.serial = 0;
      }
    } else this.serial = 0;
    this.lastMs = ms;
    return fileStamp(new Date(ms), this.serial);
  }
}

/**
 * A file name that fits: names longer than `maxBytes` (UTF-8) keep their extension and as much of
 * the start as fits, followed by `~` and 8 hex digits of a hash of the whole name, so that every
 * name the protocol derives from it (`Successed_<name>_<ts>.xml`, `<name>_<ts>_<ts>.<ext>`) stays
 * within the 255-byte limit of common file systems.
 */
export function fitFileName(name: string, maxBytes = 200): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const { base, ext } = splitName(name);
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  const tail = `~${h.toString(16).padStart(8, '0')}${ext ? `.${ext}` : ''}`;
  let cut = base;
  while (Buffer.byteLength(cut) + Buffer.byteLength(tail) > maxBytes) cut = cut.slice(0, -1);
  return cut + tail;
}
