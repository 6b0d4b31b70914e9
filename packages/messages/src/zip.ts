/**
 * ZIP package rules for declarations with attachments: exactly one XML message plus PDF files,
 * no folders, bounded entry count and sizes (zip bombs), no path traversal. In memory only.
 */
import yauzl from 'yauzl';
import yazl from 'yazl';
import { MessageRejected } from './errors.js';

export interface ZipLimits {
  maxEntries: number;
  maxTotalUncompressedBytes: number;
  maxEntryUncompressedBytes: number;
  /** largest allowed uncompressed/compressed ratio for one entry */
  maxCompressionRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 50,
  maxTotalUncompressedBytes: 200 * 1024 * 1024,
  maxEntryUncompressedBytes: 100 * 1024 * 1024,
  maxCompressionRatio: 200,
};

export interface ZipEntryData {
  name: string;
  data: Buffer;
}

export interface DeclarationZip {
  xml: ZipEntryData;
  attachments: ZipEntryData[];
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true }, (err, zip) =>
      err || !zip ? reject(new MessageRejected('C905', `不是有效的ZIP包: ${err?.message ?? 'unreadable'}`, { cause: err })) : resolve(zip),
    ),
  );
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, cap: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(new MessageRejected('C905', `ZIP条目无法读取: ${entry.fileName}`, { cause: err }));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > cap) {
          stream.destroy();
          reject(new MessageRejected('C905', `ZIP条目解压后过大 (zip bomb?): ${entry.fileName}`));
        } else chunks.push(c);
      });
      stream.on('error', (e) => reject(new MessageRejected('C905', `ZIP条目损坏: ${entry.fileName}: ${e.message}`, { cause: e })));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Reads and checks a declaration ZIP; throws MessageRejected (C904/C905/C908) when it breaks a rule. */
export async function readDeclarationZip(buffer: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<DeclarationZip> {
  const zip = await openZip(buffer);
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new MessageRejected('C905', `ZIP包条目过多: ${zip.entryCount} > ${limits.maxEntries}`);
  }
  const entries: ZipEntryData[] = [];
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e) =>
        reject(e instanceof MessageRejected ? e : new MessageRejected('C905', `ZIP包损坏: ${e.message}`, { cause: e })),
      );
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          if (name.endsWith('/') || name.includes('/') || name.includes('\\')) {
            const traversal = name.split(/[\\/]/).includes('..') || name.startsWith('/') || /^[A-Za-z]:/.test(name);
            throw traversal
              ? new MessageRejected('C905', `ZIP包含不安全路径: ${name}`)
              : new MessageRejected('C904', `ZIP包中不允许有文件夹: ${name}`);
          }
          if (name === '..' || name === '.') throw new MessageRejected('C905', `ZIP包含不安全路径: ${name}`);
          if (entry.uncompressedSize > limits.maxEntryUncompressedBytes) throw new MessageRejected('C905', `ZIP条目过大: ${name}`);
          total += entry.uncompressedSize;
          if (total > limits.maxTotalUncompressedBytes) throw new MessageRejected('C905', 'ZIP包解压后总大小超过限制');
          if (
            entry.compressedSize > 0 &&
            entry.uncompressedSize / entry.compressedSize > limits.maxCompressionRatio &&
            entry.uncompressedSize > 1024 * 1024
          )
            throw new MessageRejected('C905', `ZIP条目压缩比异常 (zip bomb): ${name}`);
          const data = await readEntry(zip, entry, Math.min(limits.maxEntryUncompressedBytes, entry.uncompressedSize));
          entries.push({ name, data });
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  const xmls = entries.filter((e) => e.name.toLowerCase().endsWith('.xml'));
  const others = entries.filter((e) => !e.name.toLowerCase().endsWith('.xml'));
  if (xmls.length !== 1) throw new MessageRejected('C908', `ZIP包须含且仅含一个XML报文 (found ${xmls.length})`);
  const notPdf = others.find((e) => !e.name.toLowerCase().endsWith('.pdf'));
  if (notPdf) throw new MessageRejected('C908', `ZIP包中只允许XML报文和PDF随附单据: ${notPdf.name}`);
  return { xml: xmls[0], attachments: others };
}

/** Writes entries into a ZIP (entries in the given order, no folders). */
export function writeZip(entries: readonly ZipEntryData[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.name, { mtime: new Date(0) });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** True when the bytes start like a ZIP archive. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6)
  );
}
