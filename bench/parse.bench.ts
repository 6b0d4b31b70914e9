/**
 * Parse throughput of @osw/messages against fast-xml-parser alone on the same bytes:
 * a typical DecMessage (20 DecList rows) and a 10,000-row manual snapshot.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { buildDecMessage, buildManualData, parseDecMessage, parseManualData, sasEnvelope, type ManualItem } from '@osw/messages';
import { opsPerSecond, type Figure } from './lib.js';

const bare = new XMLParser({ ignoreAttributes: false });

function decMessageWith20Rows(root: string): string {
  const m = parseDecMessage(readFileSync(path.join(root, 'examples', 'declaration.xml'), 'utf8'));
  const rows = Array.from({ length: 20 }, (_, i) => ({
    fields: { ...m.lists[i % m.lists.length].fields, GNo: String(i + 1) },
    goodsLimits: [],
  }));
  return buildDecMessage({ ...m, lists: rows });
}

function manualSnapshot(rows: number): string {
  const item = (i: number): ManualItem => ({
    serial: i + 1,
    mark: '0',
    fields: {
      GdsMtno: `M-${i + 1}`,
      Gdecd: '8541100000',
      GdsNm: '集成电路',
      GdsSpcfModelDesc: `规格${i + 1}型`,
      DclUnitcd: '007',
      DclQty: String(1000 + i),
    },
  });
  return buildManualData(
    {
      kind: 'stock',
      manualNo: 'E53002600001',
      version: 1,
      head: { BizopEtpsno: '4403960002' },
      imgs: Array.from({ length: rows / 2 }, (_, i) => item(i)),
      exgs: Array.from({ length: rows / 2 }, (_, i) => item(i)),
    },
    sasEnvelope({
      messageId: 'BENCH0000001',
      messageType: 'OSWEMS01',
      senderId: 'DXPEDCEMS0000001',
      receiverId: 'DXPESW5300000002',
      at: new Date(),
    }),
  );
}

export function parseFigures(root: string, quick: boolean): Figure[] {
  const ms = quick ? 1000 : 5000;
  const rounds = quick ? 3 : 5;
  const out: Figure[] = [];
  const cases: [string, string, (x: string) => unknown][] = [
    ['parse DecMessage (20 rows)', decMessageWith20Rows(root), (x) => parseDecMessage(x)],
    ['parse manual snapshot (10,000 rows)', manualSnapshot(10_000), (x) => parseManualData(x)],
  ];
  for (const [name, xml, parse] of cases) {
    const mb = Buffer.byteLength(xml) / 2 ** 20;
    const base = opsPerSecond(() => bare.parse(xml), ms, rounds);
    const ours = opsPerSecond(() => parse(xml), ms, rounds);
    out.push({
      name: `${name}: messages/s`,
      value: ours,
      unit: 'msg/s',
      baseline: base,
      ratio: base / ours,
      note: 'baseline: fast-xml-parser alone on the same bytes; ratio = our time per message / bare parser time',
    });
    out.push({ name: `${name}: MB/s`, value: ours * mb, unit: 'MB/s', baseline: base * mb, ratio: base / ours });
  }
  return out;
}
