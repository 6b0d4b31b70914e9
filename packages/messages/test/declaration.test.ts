import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, FIXTURES } from '../../../test/helpers.js';
import {
  buildDecData,
  buildDecImportResponse,
  buildDecMessage,
  buildDecResult,
  buildFailureRoot,
  DEC_HEAD_FIELDS,
  DEC_LIST_FIELDS,
  decodeXml,
  parseDecData,
  parseDecImportResponse,
  parseDecMessage,
  parseDecResult,
  parseFailureRoot,
  validateDecMessage,
  type DecMessage,
} from '../src/index.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');
const fixture = (n: string) => decodeXml(readFileSync(path.join(FIXTURES, n)));

describe('declaration family', () => {
  it('reads the example DecMessage with every DecHead field and three goods rows', () => {
    const m = parseDecMessage(example);
    expect(m.version).toBe('3.1');
    expect(Object.keys(m.head)).toEqual(DEC_HEAD_FIELDS.filter((f) => f in m.head));
    expect(Object.keys(m.head).length).toBeGreaterThanOrEqual(90);
    expect(m.lists).toHaveLength(3);
    expect(m.lists[0].fields.GNo).toBe('1');
    expect(Object.keys(m.lists[0].fields).length).toBeGreaterThanOrEqual(45);
    expect(m.containers[0].ContainerId).toBe('TCLU6182739');
    expect(m.sign?.ClientSeqNo).toBe('E53002026112100001');
    expect(m.edocs[0].EdocCopId).toBeDefined();
    expect(m.extra).toEqual([]);
  });

  it('build → parse gives the same object, and the text matches the example but for empty-element style', () => {
    const m = parseDecMessage(example);
    const built = buildDecMessage(m);
    expect(parseDecMessage(built)).toEqual(m);
    const normalise = (s: string) =>
      s
        .replace(/<!--[\s\S]*?-->\n?/g, '')
        .replace(/<(\w+)\/>/g, '<$1></$1>')
        .trim();
    expect(normalise(built)).toBe(normalise(example));
  });

  it('keeps goods limits with VIN rows and unknown sections through a round trip', () => {
    const m = parseDecMessage(example);
    m.lists[0].goodsLimits = [
      {
        fields: { GoodsNo: '1', LicTypeCode: '411', LicenceNo: 'L-1', LicWrtofDetailNo: '1', LicWrtofQty: '2' },
        vins: [{ VinNo: '1', VinCode: 'LSVAU2180N2000001' }],
      },
    ];
    m.extra = [{ name: 'DecSupplement', prefix: '', attrs: {}, children: [], text: '补充' }];
    // the element added in code is written after what was read, and read back in that place
    expect(parseDecMessage(buildDecMessage(m))).toEqual({ ...m, order: [...m.order!, 'DecSupplement'] });
  });

  it('validation lists every problem at once with its path', () => {
    const m = parseDecMessage(example);
    m.head.IEFlag = 'X';
    m.head.TradeCode = '';
    m.head.CustomMaster = '53';
    m.lists[1].fields.CodeTS = '85';
    m.lists[2].fields.GNo = '7';
    m.sign!.OperType = 'Q';
    m.sign!.ClientSeqNo = '';
    const problems = validateDecMessage(m);
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'DecHead.IEFlag',
        'DecHead.TradeCode',
        'DecHead.CustomMaster',
        'DecLists.DecList[2].CodeTS',
        'DecLists.DecList[3].GNo',
        'DecSign.OperType',
        'DecSign.ClientSeqNo',
      ]),
    );
    for (const p of problems) {
      expect(p.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(p.en).toMatch(/[a-z]/);
    }
    expect(validateDecMessage(parseDecMessage(example))).toEqual([]);
  });

  it('every OperType of the manual is accepted: A B C D E G', () => {
    for (const t of ['A', 'B', 'C', 'D', 'E', 'G']) {
      const m = parseDecMessage(example);
      m.sign!.OperType = t;
      expect(validateDecMessage(m)).toEqual([]);
    }
  });

  it('property: any head and list values survive build → parse', () => {
    // characters XML 1.0 forbids are left out of the generated text
    // eslint-disable-next-line no-control-regex
    const text = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').trim());
    const chinese = fc
      .array(fc.constantFrom('报', '关', '单', '&', '<', '>', '"', "'", ' ', 'a', '1'), { maxLength: 12 })
      .map((a) => a.join('').trim());
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...DEC_HEAD_FIELDS), fc.oneof(text, chinese)),
        fc.array(fc.dictionary(fc.constantFrom(...DEC_LIST_FIELDS.filter((f) => f !== 'DecGoodsLimits')), chinese), { maxLength: 4 }),
        (head, lists) => {
          const m: DecMessage = { ...parseDecMessage(example), head, lists: lists.map((fields) => ({ fields, goodsLimits: [] })) };
          const again = parseDecMessage(buildDecMessage(m));
          expect(again.head).toEqual(Object.fromEntries(DEC_HEAD_FIELDS.filter((f) => f in head).map((f) => [f, head[f]])));
          expect(again.lists.map((l) => l.fields)).toEqual(
            lists.map((l) => Object.fromEntries(DEC_LIST_FIELDS.filter((f) => f in l).map((f) => [f, l[f]]))),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('declaration responses: every real one round-trips', () => {
  for (const f of ['dec_Successed_DecImportResponse.xml', 'dec_Failed_DecImportResponse.xml']) {
    it(`${f}: DecImportResponse parse → build → parse is equal`, () => {
      const r = parseDecImportResponse(fixture(f));
      expect(parseDecImportResponse(buildDecImportResponse(r))).toEqual(r);
    });
  }
  for (const f of ['dec_Receipt_DEC_RESULT_channel7.xml', 'dec_Receipt_DEC_RESULT_channelP_released.xml']) {
    it(`${f}: DEC_RESULT parse → build → parse is equal`, () => {
      const r = parseDecResult(fixture(f));
      expect(parseDecResult(buildDecResult(r))).toEqual(r);
    });
  }
  it('dec_DEC_DATA_receipt_legacy_unresolved_repo.xml: DEC_DATA keeps all its fields through a round trip', () => {
    const d = parseDecData(fixture('dec_DEC_DATA_receipt_legacy_unresolved_repo.xml'));
    expect(Object.keys(d.result)).toHaveLength(19);
    expect(d.result.DECL_PORT).toBe('5317');
    expect(parseDecData(buildDecData(d))).toEqual(d);
  });
  it('npts_Failed_Root_C18_rabbitmq.xml: the failure Root round-trips, CDATA and all', () => {
    const r = parseFailureRoot(fixture('npts_Failed_Root_C18_rabbitmq.xml'));
    expect(parseFailureRoot(buildFailureRoot(r.failCode, r.failInfo))).toEqual(r);
  });
});
