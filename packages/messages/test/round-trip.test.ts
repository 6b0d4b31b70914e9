/**
 * parse → build changes nothing: every real fixture is read with its family's reader, written back
 * with its family's builder, and the text compared with the original.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, FIXTURES } from '../../../test/helpers.js';
import {
  buildCeb,
  buildCommonResponse,
  buildDecData,
  buildDecImportResponse,
  buildDecMessage,
  buildDecResult,
  buildFailureRoot,
  buildManifest,
  buildSasPackage,
  buildSasReceipt,
  DEC_MESSAGE_SECTIONS,
  decodeXml,
  parseCeb,
  parseCommonResponse,
  parseDecData,
  parseDecImportResponse,
  parseDecMessage,
  parseDecResult,
  parseFailureRoot,
  parseManifest,
  parseSasPackage,
  normalizeTree,
  parseTree,
  sasReceiptFrom,
  treeToElement,
  writeXml,
  type DecMessage,
} from '../src/index.js';

const read = (name: string) => decodeXml(readFileSync(path.join(FIXTURES, name)));

/**
 * The text a round trip must keep. Removed: the XML declaration and comments (each fixture has a
 * comment naming its source where its declaration was; the builders write their own declaration),
 * whitespace between elements (the builders indent their own way; no message has mixed content).
 * Made one form: `<a/>` and `<a></a>`, a CDATA section and the same text escaped, `&quot;`/`&apos;`
 * and the bare quote in text (each pair is the same document to any XML reader). Everything else
 * must be identical: element names and prefixes, their order, attributes (namespaces included) and
 * their order, and every text, character for character.
 */
function canonical(xml: string): string {
  return xml
    .replace(/^\uFEFF/, '')
    .replace(/<\?xml[^>]*\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<([\w.:-]+)((?:\s+[\w.:-]+\s*=\s*"[^"]*")*)\s*\/>/g, '<$1$2></$1>')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
    .replace(/>\s+</g, '><')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .trim();
}

/** For each real fixture, the builders that must give it back: family reader → family builder. */
const rebuilders: Record<string, Record<string, (xml: string) => string>> = {
  'dec_Successed_DecImportResponse.xml': { buildDecImportResponse: (x) => buildDecImportResponse(parseDecImportResponse(x)) },
  'dec_Failed_DecImportResponse.xml': { buildDecImportResponse: (x) => buildDecImportResponse(parseDecImportResponse(x)) },
  'dec_Receipt_DEC_RESULT_channel7.xml': { buildDecResult: (x) => buildDecResult(parseDecResult(x)) },
  'dec_Receipt_DEC_RESULT_channelP_released.xml': { buildDecResult: (x) => buildDecResult(parseDecResult(x)) },
  'dec_DEC_DATA_receipt_legacy_unresolved_repo.xml': { buildDecData: (x) => buildDecData(parseDecData(x)) },
  'npts_Failed_Root_C18_rabbitmq.xml': {
    buildFailureRoot: (x) => {
      const f = parseFailureRoot(x);
      return buildFailureRoot(f.failCode, f.failInfo);
    },
  },
  'npts_SentBox_INV101_Signature_Package.xml': { buildSasPackage: (x) => buildSasPackage(parseSasPackage(x)) },
  'sas_INV201_receipt.xml': {
    buildSasPackage: (x) => buildSasPackage(parseSasPackage(x)),
    buildSasReceipt: (x) => buildSasReceipt(sasReceiptFrom(parseSasPackage(x))),
  },
  'sas_INV202_receipt.xml': {
    buildSasPackage: (x) => buildSasPackage(parseSasPackage(x)),
    buildSasReceipt: (x) => buildSasReceipt(sasReceiptFrom(parseSasPackage(x))),
  },
  'sas_SAS223_receipt.xml': {
    buildSasPackage: (x) => buildSasPackage(parseSasPackage(x)),
    buildSasReceipt: (x) => buildSasReceipt(sasReceiptFrom(parseSasPackage(x))),
  },
  'sas_Successed_INV101_CommonResponeMessage.xml': { buildCommonResponse: (x) => buildCommonResponse(parseCommonResponse(x)) },
  'sas_Failed_SAS121_CommonResponeMessage.xml': { buildCommonResponse: (x) => buildCommonResponse(parseCommonResponse(x)) },
  'mft_MT2101_manifest_unresolved_repo.xml': { buildManifest: (x) => buildManifest(parseManifest(x)) },
};

/**
 * CEB messages are another family: buildCeb writes every one in the form of the official samples
 * (`ceb:` prefix, `xmlns:ceb`, `guid` then `version`; docs/messages-ceb.md), so a message written with
 * a default namespace comes back prefixed. What it keeps is the document as a namespace-aware reader
 * sees it: the same namespace, the same elements in the same order, the same attributes and text.
 */
const normalisedByDesign: Record<string, (xml: string) => string> = {
  'ceb_CEB311Message_order.xml': (x) => buildCeb(parseCeb(x)),
  'ceb_CEB312Message_order_receipt.xml': (x) => buildCeb(parseCeb(x)),
  'ceb_CEB622Message_inventory_receipt.xml': (x) => buildCeb(parseCeb(x)),
};

describe('parse → build changes nothing, for every real fixture', () => {
  it('every file in fixtures/real has its builders listed', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual([...Object.keys(rebuilders), ...Object.keys(normalisedByDesign)].sort());
  });

  for (const [file, rebuild] of Object.entries(normalisedByDesign))
    it(`${file} through buildCeb: the same namespace and document, written with the ceb: prefix`, () => {
      const original = parseTree(read(file));
      const rebuilt = parseTree(rebuild(read(file)));
      expect(rebuilt.attrs['xmlns:ceb']).toBe(original.attrs.xmlns ?? original.attrs['xmlns:ceb']);
      expect(normalizeTree(rebuilt)).toEqual(normalizeTree(original));
    });

  for (const [file, builders] of Object.entries(rebuilders))
    for (const [builder, rebuild] of Object.entries(builders))
      it(`${file} through ${builder}`, () => {
        const original = read(file);
        const rebuilt = rebuild(original);
        expect(canonical(rebuilt)).toBe(canonical(original));
        // and the element trees are equal (attributes, prefixes, text)
        expect(parseTree(rebuilt)).toEqual(parseTree(original));
      });

  it('the comparison sees what a builder would change', () => {
    const x = read('sas_INV202_receipt.xml');
    expect(canonical(x.replace(' xmlns="http://www.w3.org/2000/09/xmldsig#"', ''))).not.toBe(canonical(x));
    expect(canonical(x.replace('<reason></reason>', '<reason>-</reason>'))).not.toBe(canonical(x));
    expect(canonical(x.replace('<entrySeqNo>', '<entrySeqNo> '))).not.toBe(canonical(x));
    expect(canonical(x.replace('<invPreentNo>202400000122534496</invPreentNo>', ''))).not.toBe(canonical(x));
    expect(canonical(x.replace('<reason></reason>', '<reason/>'))).toBe(canonical(x));
  });
});

describe('what the builders used to change', () => {
  it('a manifest read without a namespace is written back without one', () => {
    const bare = read('mft_MT2101_manifest_unresolved_repo.xml').replace(' xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1"', '');
    const m = parseManifest(bare);
    expect(m.namespace).toBe('');
    const rebuilt = buildManifest(m);
    expect(rebuilt).toContain('<Manifest>');
    expect(canonical(rebuilt)).toBe(canonical(bare));
    // built in code (no namespace given), the namespace still comes from MessageType
    expect(buildManifest({ head: m.head, declaration: m.declaration })).toContain(
      '<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1">',
    );
  });

  it('buildSasReceipt keeps the pocket_id it read and adds no PocketInfo where there was none', () => {
    const r201 = sasReceiptFrom(parseSasPackage(read('sas_INV201_receipt.xml')));
    expect(buildSasReceipt(r201)).toContain('<pocket_id>QD311124E000098849-e2ad23739ae84590abf11f4b69cfd462</pocket_id>');
    const r202 = sasReceiptFrom(parseSasPackage(read('sas_INV202_receipt.xml')));
    expect(r202.pocket).toBeNull();
    expect(buildSasReceipt(r202)).not.toContain('PocketInfo');
    // SAS223 comes without namespace and stays so
    expect(buildSasReceipt(sasReceiptFrom(parseSasPackage(read('sas_SAS223_receipt.xml'))))).toContain('<Package>');
    // a receipt made in code still gets one pocket of one, named by pocketId
    const made = buildSasReceipt({ messageType: 'INV202', envelope: r202.envelope, sections: r202.sections }, { pocketId: 'P-1' });
    expect(made).toContain('<pocket_id>P-1</pocket_id>');
    expect(made).toContain('<Package xmlns="http://www.w3.org/2000/09/xmldsig#">');
  });

  // the spellings a reader accepts besides the wire's own are written back as they were read
  for (const [file, builders] of Object.entries(rebuilders))
    for (const [builder, rebuild] of Object.entries(builders)) {
      if (!read(file).includes('BussinessData')) continue;
      it(`${file} spelt BusinessData comes back spelt so through ${builder}`, () => {
        const variant = read(file).replaceAll('BussinessData', 'BusinessData');
        const rebuilt = rebuild(variant);
        expect(rebuilt).not.toContain('BussinessData');
        expect(canonical(rebuilt)).toBe(canonical(variant));
      });
    }

  it('a package built in code and every real one spelt BussinessData keep the wire’s spelling', () => {
    for (const file of Object.keys(rebuilders).filter((f) => read(f).includes('BussinessData')))
      for (const rebuild of Object.values(rebuilders[file])) expect(rebuild(read(file))).toContain('<BussinessData>');
    const r = sasReceiptFrom(parseSasPackage(read('sas_INV202_receipt.xml')));
    expect(buildSasReceipt({ messageType: r.messageType, envelope: r.envelope, sections: r.sections })).toContain('<BussinessData>');
  });

  const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
  const topLevel = (xml: string) => parseTree(xml).children.map((c) => c.name);

  it('DecContainers rows read as DecContainer are written back as DecContainer, Container as Container', () => {
    expect(example).toContain('<Container>');
    const alt = example.replace(/<(\/?)Container>/g, '<$1DecContainer>');
    const rebuilt = buildDecMessage(parseDecMessage(alt));
    expect(rebuilt).not.toMatch(/<Container>/);
    expect(canonical(rebuilt)).toBe(canonical(alt));
    expect(buildDecMessage(parseDecMessage(example))).not.toContain('DecContainer>');
  });

  it('the example DecMessage (official order) round-trips exactly', () => {
    expect(canonical(buildDecMessage(parseDecMessage(example)))).toBe(canonical(example));
  });

  it('a DecMessage in another order, without namespace, with unmodelled blocks, is written back as it came', () => {
    // the order of a public generator: DecUsers before DecCopLimits, EdocRealation and EcoRelation before
    // DecMarkLobs and DecFreeTxt, no DecSign; DecGoodsLimits first in a DecList; no namespace
    const root = parseTree(example);
    const block = (name: string) => root.children.find((c) => c.name === name)!;
    const order = ['DecHead', 'DecLists', 'DecContainers', 'DecLicenseDocus', 'DecRequestCerts', 'DecOtherPacks', 'DecUsers'];
    const lists = block('DecLists');
    const firstRow = lists.children[0];
    const limits = firstRow.children.find((c) => c.name === 'DecGoodsLimits')!;
    const reordered = {
      ...root,
      attrs: { version: '3.1' },
      children: [
        ...order.slice(0, 1).map(block),
        {
          ...lists,
          children: [{ ...firstRow, children: [limits, ...firstRow.children.filter((c) => c !== limits)] }, ...lists.children.slice(1)],
        },
        ...order.slice(2).map(block),
        block('DecCopLimits'),
        block('DecCopPromises'),
        block('EdocRealation'),
        block('EcoRelation'),
        { name: 'DecMarkLobs', prefix: '', attrs: {}, children: [{ name: 'DecMarkLob', prefix: '', attrs: {}, children: [], text: '' }] },
        block('DecFreeTxt'),
      ],
    };
    const xml = writeXml(treeToElement(reordered));
    const m = parseDecMessage(xml);
    const rebuilt = buildDecMessage(m);
    expect(topLevel(rebuilt)).toEqual(topLevel(xml));
    expect(canonical(rebuilt)).toBe(canonical(xml));
    expect(rebuilt).toContain('<DecMessage version="3.1">');
    // a DecSign set in code goes where the official order puts it: after DecFreeTxt
    const signed = buildDecMessage({ ...m, sign: { OperType: 'G', ClientSeqNo: 'E1' } });
    expect(topLevel(signed).slice(-3)).toEqual(['DecMarkLobs', 'DecFreeTxt', 'DecSign']);
    // rows added to a section the message did not have go to its official place too
    const noPacks = parseDecMessage(xml.replace(/<DecOtherPacks>[\s\S]*?<\/DecOtherPacks>|<DecOtherPacks\/>/, ''));
    expect(topLevel(buildDecMessage(noPacks))).not.toContain('DecOtherPacks');
    expect(topLevel(buildDecMessage({ ...noPacks, otherPacks: [{ PackQty: '1', PackType: '22' }] }))).toEqual(topLevel(xml));
    const noFreeText = parseDecMessage(xml.replace(/<DecFreeTxt>[\s\S]*<\/DecFreeTxt>/, ''));
    expect(topLevel(buildDecMessage({ ...noFreeText, sign: { OperType: 'G' } })).slice(-5)).toEqual([
      'DecCopPromises',
      'DecSign',
      'EdocRealation',
      'EcoRelation',
      'DecMarkLobs',
    ]);
  });

  it('a DecMessage made in code is written in the official order, every section present, with the namespace', () => {
    const m = parseDecMessage(example);
    const made: DecMessage = {
      ...m,
      order: undefined,
      namespace: undefined,
      rootAttributes: undefined,
      // rows keep limitsAt from the reading: without `order` it is not used
    };
    const xml = buildDecMessage(made);
    expect(topLevel(xml)).toEqual([...DEC_MESSAGE_SECTIONS]);
    expect(xml).toContain('<DecMessage version="3.1" xmlns="http://www.chinaport.gov.cn/dec">');
    expect(canonical(xml)).toBe(canonical(example));
  });
});
