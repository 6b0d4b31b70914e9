import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { MessageRejected, readDeclarationZip, writeZip } from '../src/index.js';

const xml = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><DecMessage/>');
const pdf = Buffer.from('%PDF-1.4\n%fake\n');

function rawZip(add: (z: yazl.ZipFile) => void): Promise<Buffer> {
  const z = new yazl.ZipFile();
  add(z);
  z.end();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function codeOf(buf: Buffer, limits?: Parameters<typeof readDeclarationZip>[1]) {
  try {
    await readDeclarationZip(buf, limits);
    return 'ok';
  } catch (e) {
    if (!(e instanceof MessageRejected)) throw e;
    return e.code;
  }
}

describe('declaration ZIP rules', () => {
  it('accepts one XML plus PDF attachments', async () => {
    const zip = await writeZip([
      { name: 'dec.xml', data: xml },
      { name: 'invoice.pdf', data: pdf },
      { name: '合同.pdf', data: pdf },
    ]);
    const r = await readDeclarationZip(zip);
    expect(r.xml.name).toBe('dec.xml');
    expect(r.attachments.map((a) => a.name)).toEqual(['invoice.pdf', '合同.pdf']);
  });

  it('refuses a folder inside (C904)', async () => {
    expect(await codeOf(await rawZip((z) => (z.addBuffer(xml, 'dec.xml'), z.addBuffer(pdf, 'docs/invoice.pdf'))))).toBe('C904');
    expect(await codeOf(await rawZip((z) => (z.addBuffer(xml, 'dec.xml'), z.addEmptyDirectory('docs'))))).toBe('C904');
  });

  it('refuses more than one XML, or anything but PDF beside it (C908)', async () => {
    expect(
      await codeOf(
        await writeZip([
          { name: 'a.xml', data: xml },
          { name: 'b.xml', data: xml },
        ]),
      ),
    ).toBe('C908');
    expect(
      await codeOf(
        await writeZip([
          { name: 'a.xml', data: xml },
          { name: 'run.exe', data: pdf },
        ]),
      ),
    ).toBe('C908');
    expect(await codeOf(await writeZip([{ name: 'invoice.pdf', data: pdf }]))).toBe('C908');
  });

  it('refuses zip bombs, too many entries and broken archives (C905)', async () => {
    const bomb = await rawZip((z) => (z.addBuffer(xml, 'dec.xml'), z.addBuffer(Buffer.alloc(20 * 1024 * 1024), 'big.pdf')));
    expect(bomb.length).toBeLessThan(100_000);
    expect(await codeOf(bomb)).toBe('C905');
    const many = await writeZip(Array.from({ length: 60 }, (_, i) => ({ name: `${i}.pdf`, data: pdf })));
    expect(await codeOf(many)).toBe('C905');
    expect(await codeOf(Buffer.from('PK\u0003\u0004 not really a zip'))).toBe('C905');
  });

  it('refuses path traversal (C905)', async () => {
    // writers refuse such names, so patch a harmless one into `../evil.pdf` in the archive bytes
    const zip = await rawZip((z) => (z.addBuffer(xml, 'dec.xml'), z.addBuffer(pdf, 'xx/evil.pdf')));
    const evil = Buffer.from(zip.toString('latin1').split('xx/evil.pdf').join('../evil.pdf'), 'latin1');
    expect(await codeOf(evil)).toBe('C905');
  });
});
