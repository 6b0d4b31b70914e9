/**
 * Cross-border e-commerce (CEB, 跨境电商) end to end in the demo: the broker's import client picks a
 * CEB311 order and a CEB621 清单 (the official sample) up from its OutBox, the platform accepts them and answers with the
 * receipt (CEB312 / CEB622, returnStatus 2) as the import answer, and the customs sandbox's receipts
 * (120 海关入库, then 399 海关审结 or 800 放行) reach the same InBox; a message with #退单 gets returnStatus
 * -1 and its reason. Every file in the InBox validates against the official 2022-05 schema. Embedded
 * (SQLite + HTTP), and on PostgreSQL + RabbitMQ when their test URLs are set.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cebReceipts, parseCeb, type CebMessage } from '@osw/messages';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { CEB_FIXTURES, cebSchemaProblems, filesBelow, FIXTURES, tempDir, waitFor } from '../helpers.js';
import { AMQP_URL, createPostgresDatabase, PG_URL, testVhost, type TestDatabase } from '../support/engines.js';

const logger = pino({ level: 'silent' });

const ceb311 = readFileSync(path.join(FIXTURES, 'ceb_CEB311Message_order.xml'), 'utf8');
const ceb621 = readFileSync(path.join(CEB_FIXTURES, 'samples/import/CEB621Message.xml'), 'utf8');

interface Setup {
  title: string;
  skip: boolean;
  start(home: string): Promise<{ demo: RunningDemo; close(): Promise<void> }>;
}

const setups: Setup[] = [
  {
    title: 'CEB receipts in the embedded demo (SQLite, HTTP exchange)',
    skip: false,
    async start(home) {
      const demo = await startDemo({ home, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100 });
      return { demo, close: () => demo.close() };
    },
  },
  {
    title: 'CEB receipts in the demo on PostgreSQL and RabbitMQ',
    skip: !AMQP_URL || !PG_URL,
    async start(home) {
      const db: TestDatabase = await createPostgresDatabase();
      const vh = testVhost();
      const demo = await startDemo({
        home,
        port: 0,
        paceMs: 0,
        logger,
        stableMs: 100,
        rescanMs: 100,
        store: db.location,
        exchange: vh.url,
      });
      const users = demo.contract.clients.map((c) => c.broker?.user).filter((u): u is string => !!u);
      return {
        demo,
        async close() {
          await demo.close();
          await vh.drop(users);
          await db.drop();
        },
      };
    },
  },
];

for (const setup of setups) {
  describe.skipIf(setup.skip)(setup.title, () => {
    const t = tempDir('osw-ceb-e2e-');
    let running: Awaited<ReturnType<Setup['start']>> | undefined;
    let box: RunningDemo['contract']['clients'][number]['businesses'][string];

    beforeAll(async () => {
      running = await setup.start(path.join(t.dir, 'home'));
      box = running.demo.contract.clients.find((c) => c.role === 'broker')!.businesses.DecCus001;
    });
    afterAll(async () => {
      await running?.close();
      t.cleanup();
    });

    /** Drops a file into the OutBox the way an ERP does (written aside, then renamed in). */
    async function drop(name: string, xml: string) {
      const staged = path.join(path.dirname(box.outBox), `${name}.partial`);
      await fs.writeFile(staged, xml);
      await fs.rename(staged, path.join(box.outBox, name));
    }

    /** The InBox's receipts of a message type for one document (by the guid its rows carry back), once there are `count`. */
    async function receiptsOf(type: string, guid: string, count: number): Promise<{ file: string; msg: CebMessage; xml: string }[]> {
      return waitFor(
        () => {
          const found = filesBelow(box.inBox)
            .filter((f) => f.startsWith('Receipt_'))
            .map((file) => ({ file, xml: readFileSync(path.join(box.inBox, file), 'utf8') }))
            .map((r) => ({ ...r, msg: parseCeb(r.xml) }))
            .filter((r) => r.msg.messageType === type && r.msg.sections.some((s) => s.fields.guid === guid));
          return found.length >= count ? found.sort((a, b) => a.file.localeCompare(b.file)) : null;
        },
        `${count} ${type} receipts`,
        60_000,
      );
    }

    it('a CEB311 order from the OutBox: Successed_ with the CEB312 (2 电子口岸申报中), then CEB312 120 and 399 in the InBox, all valid against the XSD', async () => {
      await drop('order.xml', ceb311);
      const ok = await waitFor(
        () => filesBelow(box.inBox).find((f) => /^Successed_order_\d{21}\.xml$/.test(f)),
        'Successed_ for the order',
        60_000,
      );
      const answerXml = readFileSync(path.join(box.inBox, ok), 'utf8');
      expect(cebSchemaProblems(answerXml)).toBe('');
      const answer = parseCeb(answerXml);
      expect(answer.messageType).toBe('CEB312');
      expect(answer.sections[0].fields).toMatchObject({
        guid: '4CDE1CFD-EDED-46B1-946C-B8022E42FC94',
        orderNo: 'order20160321116421002',
        returnStatus: '2',
        returnInfo: '电子口岸申报中',
      });
      const receipts = await receiptsOf('CEB312', '4CDE1CFD-EDED-46B1-946C-B8022E42FC94', 2);
      for (const r of receipts) {
        expect(cebSchemaProblems(r.xml), r.file).toBe('');
        expect(r.file).toMatch(/^Receipt_DXPEDCCEB0000002DXPESW\d+_\d{21}\.xml$/);
      }
      expect(receipts.map((r) => cebReceipts(r.msg)[0])).toMatchObject([
        { returnStatus: '120', returnInfo: '海关入库', status: { group: 'accepted' } },
        { returnStatus: '399', returnInfo: '海关审结', status: { group: 'reviewing' } },
      ]);
      await waitFor(() => filesBelow(box.sentBox).some((f) => /order_\d{21}\.xml$/.test(f)), 'the order in SentBox');
    });

    it('the official CEB621 清单 sample (with its signature): Successed_ with the CEB622 (预录入编号), then 120 with the 清单编号 and 800 放行', async () => {
      const guid = '4CDE1CFD-EDED-46B1-946C-B8022E42FC94';
      await drop('inventory.xml', ceb621);
      const ok = await waitFor(() => filesBelow(box.inBox).find((f) => /^Successed_inventory_\d{21}\.xml$/.test(f)), 'Successed_', 60_000);
      const answerXml = readFileSync(path.join(box.inBox, ok), 'utf8');
      expect(cebSchemaProblems(answerXml)).toBe('');
      const answer = parseCeb(answerXml);
      expect(answer.messageType).toBe('CEB622');
      const preNo = answer.sections[0].fields.preNo;
      expect(preNo).toMatch(/^B\d{17}$/);
      expect(answer.sections[0].fields).toMatchObject({ guid, copNo: 'NBBH20160308005', returnStatus: '2' });
      const receipts = await receiptsOf('CEB622', guid, 2);
      for (const r of receipts) expect(cebSchemaProblems(r.xml), r.file).toBe('');
      expect(receipts.map((r) => r.msg.sections[0].fields)).toMatchObject([
        { guid, copNo: 'NBBH20160308005', preNo, invtNo: expect.stringMatching(/^3700\d{4}I\d{9}$/), returnStatus: '120' },
        { guid, copNo: 'NBBH20160308005', preNo, returnStatus: '800', returnInfo: '放行' },
      ]);
      expect(receipts[1].msg.sections[0].fields.invtNo).toBe(receipts[0].msg.sections[0].fields.invtNo);
    });

    it('#退单 in a CEB311: the customs receipt says returnStatus -1 with the reason', async () => {
      const guid = '0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D';
      await drop(
        'refused.xml',
        ceb311.replaceAll('4CDE1CFD-EDED-46B1-946C-B8022E42FC94', guid).replace('<ceb:note>test', '<ceb:note>#退单'),
      );
      const [r] = await receiptsOf('CEB312', guid, 1);
      expect(cebSchemaProblems(r.xml)).toBe('');
      expect(cebReceipts(r.msg)[0]).toMatchObject({
        returnStatus: '-1',
        returnInfo: '处理异常：订购人身份信息校验未通过',
        status: { group: 'failed' },
      });
    });
  });
}
