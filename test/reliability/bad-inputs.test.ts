/**
 * A generated corpus of bad and odd inputs dropped into a running client — broken files, links,
 * FIFOs and names the exchange cannot carry: every one ends in FailBox with a clear Failed_ receipt
 * or is accepted, nothing stays claimed, and the client keeps running.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { startClient, type RunningClient } from '@osw/client';
import { parseDecImportResponse, parseFailureRoot, writeZip } from '@osw/messages';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, type World } from '../support/platform-world.js';
import { FULL, record } from './report.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));
const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');

function rawZip(entries: [string, Buffer | null][]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of entries) data === null ? z.addEmptyDirectory(name) : z.addBuffer(data, name);
  z.end();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}

describe('reliability: the bad-input corpus', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  let client: RunningClient;
  beforeAll(async () => {
    t = tempDir('osw-rel-bad-');
    w = await platformWorld(t.dir);
  });
  afterAll(async () => {
    await client?.stop(0);
    await w?.stop();
    t?.cleanup();
  });

  it('each file is refused with its code or accepted; the client keeps running', async () => {
    const bigBytes = FULL ? 50 * 1000 * 1000 : 5 * 1000 * 1000;
    const big = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Junk><a>'),
      Buffer.alloc(bigBytes, 'x'),
      Buffer.from('</a></Junk>'),
    ]);
    const traversal = Buffer.from(
      (
        await rawZip([
          ['dec.xml', example],
          ['xx/evil.pdf', pdf],
        ])
      )
        .toString('latin1')
        .split('xx/evil.pdf')
        .join('../evil.pdf'),
      'latin1',
    );
    const gbkDeclaredUtf8 = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?><DecMessage><DecHead><NoteS>'),
      Buffer.from([0xb7, 0xc5, 0xd0, 0xd0]),
      Buffer.from('</NoteS></DecHead></DecMessage>'),
    ]);
    const longName = `${'报关单'.repeat(20)}-${'x'.repeat(60)}.xml`; // 245 bytes: at the file system's limit
    // [file name, content, expected: failCode | 'accepted' | 'refused' (sent, DecImportResponse 1)]
    const corpus: [string, Buffer | string, string][] = [
      ['binary.xml', Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]), 'C911'],
      ['truncated.xml', example.subarray(0, Math.floor(example.length / 3)), 'C902'],
      ['wrong-encoding.xml', gbkDeclaredUtf8, 'C911'],
      ['unknown-encoding.xml', '<?xml version="1.0" encoding="x-unknown"?><DecMessage/>', 'C911'],
      ['big.xml', big, 'C903'],
      ['deep.xml', '<DecMessage>' + '<a>'.repeat(50_000) + '</a>'.repeat(50_000) + '</DecMessage>', 'C902'],
      [
        'entities.xml',
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><DecMessage><DecHead><NoteS>&b;</NoteS></DecHead></DecMessage>',
        'C902',
      ],
      [
        'bomb.zip',
        await rawZip([
          ['dec.xml', example],
          ['big.pdf', Buffer.alloc(30 * 1024 * 1024)],
        ]),
        'C905',
      ],
      ['traversal.zip', traversal, 'C905'],
      [
        'folders.zip',
        await rawZip([
          ['dec.xml', example],
          ['docs', null],
        ]),
        'C904',
      ],
      [
        'pdf-only.zip',
        await writeZip([
          { name: 'a.pdf', data: pdf },
          { name: 'b.pdf', data: pdf },
        ]),
        'C908',
      ],
      ['many-entries.zip', await writeZip(Array.from({ length: 500 }, (_, i) => ({ name: `${i}.pdf`, data: pdf }))), 'C905'],
      ['not-a-zip.zip', 'PK this is not a zip', 'C905'],
      ['empty.xml', '', 'C901'],
      ['notes.docx', 'hello', 'C907'],
      ['with spaces in the name.xml', withClientSeqNo(example), 'accepted'],
      ['进口报关单 深圳 第1号.xml', withClientSeqNo(example), 'accepted'],
      [longName, withClientSeqNo(example), 'accepted'],
      [
        'fine.zip',
        await writeZip([
          // the PDF's name as the declaration's EdocRealation/EdocCopId gives it
          {
            name: 'dec.xml',
            data: Buffer.from(withClientSeqNo(example).toString('utf8').replace('<EdocCopId>invoice.pdf<', '<EdocCopId>发票.pdf<')),
          },
          { name: '发票.pdf', data: pdf },
        ]),
        'accepted',
      ],
      [
        // FAQ 15: a PDF the declaration's EdocRealation does not name
        'unlisted-pdf.zip',
        await writeZip([
          { name: 'dec.xml', data: withClientSeqNo(example) },
          { name: '装箱单.pdf', data: pdf },
        ]),
        'refused',
      ],
    ];
    // OutBox entries that are not regular files, and names the exchange cannot carry:
    // [name, how it is made, the name its answer carries, expected failCode]
    const outside = path.join(t.dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'secret.xml'), example);
    const posix = process.platform !== 'win32';
    const specials: [string, (file: string) => void, string, string][] = [
      ['new\nline.xml', (f) => writeFileSync(f, example), 'new_line', 'C913'],
      ['bell\u0007.xml', (f) => writeFileSync(f, example), 'bell_', 'C913'],
      ...(posix
        ? ([
            ['back\\slash.xml', (f) => writeFileSync(f, example), 'back_slash', 'C913'],
            ['link-outside.xml', (f) => symlinkSync(path.join(outside, 'secret.xml'), f), 'link-outside', 'C912'],
            ['link-folder.xml', (f) => symlinkSync(outside, f), 'link-folder', 'C912'],
            ['fifo.xml', (f) => execFileSync('mkfifo', [f]), 'fifo', 'C912'],
          ] as [string, (file: string) => void, string, string][])
        : []),
    ];
    const total = corpus.length + specials.length;
    const cfg = w.config({ statusPage: { enabled: false, host: '127.0.0.1', port: 0 } }, 'bad');
    client = await startClient(cfg, { logger: pino({ level: 'silent' }), lockDir: path.join(t.dir, 'locks') });
    const root = path.join(cfg.impPath, 'DecCus001');
    for (const [name, content] of corpus) writeFileSync(path.join(root, 'OutBox', name), content);
    for (const [name, make] of specials) make(path.join(root, 'OutBox', name));
    await waitFor(() => filesBelow(path.join(root, 'InBox')).length === total, 'an InBox answer for every file', 180_000, 200);
    await waitFor(
      () => filesBelow(path.join(root, 'SentBox')).length + filesBelow(path.join(root, 'FailBox')).length === total,
      'every file filed',
    );
    const inBox = filesBelow(path.join(root, 'InBox'));
    const outcome = (file: string, answerAs?: string): string => {
      const short = answerAs ?? (file.length > 60 ? file.slice(0, 20) : file.replace(/\.[^.]+$/, ''));
      const answer = inBox.find((f) => f.replace(/^(Successed|Failed)_/, '').startsWith(short));
      if (!answer) return 'missing';
      const text = readFileSync(path.join(root, 'InBox', answer), 'utf8');
      if (answer.startsWith('Successed_')) return 'accepted';
      if (text.includes('<failCode>')) return parseFailureRoot(text).failCode;
      return parseDecImportResponse(text).responseCode === '1' ? 'refused' : 'odd';
    };
    const results = [
      ...corpus.map(([name, , want]) => ({ name, want, got: outcome(name) })),
      ...specials.map(([name, , answerAs, want]) => ({ name, want, got: outcome(name, answerAs) })),
    ];
    expect(results.filter((r) => r.got !== r.want)).toEqual([]);
    expect(readdirSync(path.join(root, '.osw-work'))).toEqual([]);
    expect(readdirSync(outside)).toEqual(['secret.xml']);
    // still running: one more good file goes through
    writeFileSync(path.join(root, 'OutBox', 'after.xml'), withClientSeqNo(example));
    await waitFor(() => filesBelow(path.join(root, 'InBox')).some((f) => f.startsWith('Successed_after_')), 'a good file after the corpus');
    record({ test: 'bad-input corpus', badInputs: total, lost: 0, duplicates: 0 });
  }, 300_000);

  it('each received message the client cannot file is rejected; the messages behind it are filed', async () => {
    // the same client, now receiving: names that are paths or hold control characters, bodies that are not XML
    const root = path.join(client.businesses.find((b) => b.bizId === 'DecCus001')!.root, 'InBox');
    const before = new Set(filesBelow(root));
    const bad: { fileName: string; body?: string; business?: string; messageId?: string }[] = [
      { fileName: '' },
      { fileName: '../../outside.xml' },
      { fileName: '..' },
      { fileName: 'a/b.xml' },
      { fileName: 'a\\b.xml' },
      { fileName: 'new\nline.xml' },
      { fileName: 'nul\u0000.xml' },
      { fileName: 'AUX.xml' },
      { fileName: 'a|b.xml' },
      { fileName: 'dot.xml.' },
      { fileName: '.hidden.xml' },
      { fileName: 'Receipt_EMPTY_1.xml', body: '' },
      { fileName: 'Receipt_TEXT_1.xml', body: 'plain text' },
      { fileName: 'Receipt_NOBIZ_1.xml', business: '' },
      { fileName: 'Receipt_ID_1.xml', messageId: 'id with\nnewline' },
    ];
    const at = new Date().toISOString();
    const row = (fileName: string, i: number, over: { body?: string; business?: string; messageId?: string } = {}) => ({
      clientId: w.broker.clientId,
      messageId: over.messageId ?? `BADRECV${String(i).padStart(5, '0')}`,
      business: over.business ?? 'declaration',
      fileName,
      body: over.body ?? '<DEC_RESULT/>',
      createdAt: at,
    });
    await w.platform.deps.store.deliveries.enqueue([
      ...bad.map((b, i) => row(b.fileName, i, b)),
      row('Receipt_AFTER_202611211200000000001.xml', bad.length),
    ]);
    w.platform.deps.notifier.notify(w.broker.clientId);
    await waitFor(() => filesBelow(root).includes('Receipt_AFTER_202611211200000000001.xml'), 'the good message behind the bad ones');
    await waitFor(async () => (await w.platform.deps.store.deliveries.countPending(w.broker.clientId)) === 0, 'every message settled');
    expect(filesBelow(root).filter((f) => !before.has(f))).toEqual(['Receipt_AFTER_202611211200000000001.xml']);
    expect(client.snapshot().received.rejected).toBe(bad.length);
    expect(filesBelow(t.dir, { hidden: true }).filter((f) => f.endsWith('.tmp') || path.basename(f) === 'outside.xml')).toEqual([]);
    record({ test: 'received bad-message corpus', badInputs: bad.length, lost: 0, duplicates: 0 });
  }, 60_000);
});
