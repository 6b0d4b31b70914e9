/**
 * The walking skeleton end to end: the demo in a temp home on a free port; files dropped into the
 * broker client's OutBox; the folders and receipt contents checked as a user would see them.
 */
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { CardFileSigner, deviceFingerprint, HttpTransport, startClient, type RunningClient } from '@osw/client';
import { chinaDay, parseDecImportResponse, parseDecResult, parseFailureRoot, writeZip } from '@osw/messages';
import { startDemo, tour, type RunningDemo } from '../../packages/cli/src/demo.js';
import { EXAMPLE_CLIENT_SEQ_NO, EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));
const logger = pino({ level: 'silent' });

let t: ReturnType<typeof tempDir>;
let demo: RunningDemo;
let dec: { outBox: string; sentBox: string; failBox: string; inBox: string };
let root: string;
let dropped = 0;

async function drop(name: string, content: string | Buffer) {
  dropped++;
  // written beside OutBox and moved in, as a careful ERP does; the client must also cope with slow writers
  const tmp = path.join(root, `${name}.partial`);
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, path.join(dec.outBox, name));
}

const inBox = () => filesBelow(dec.inBox);
const inBoxFile = (name: string) => readFileSync(path.join(dec.inBox, name), 'utf8');

async function startDemoHere() {
  demo = await startDemo({ home: t.dir, port: 0, paceMs: 0, logger, stableMs: 100, rescanMs: 100 });
  const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
  dec = broker.businesses.DecCus001;
  root = path.dirname(dec.outBox);
}

describe('walking skeleton: one declaration makes the whole round trip', () => {
  beforeAll(async () => {
    t = tempDir('osw-e2e-');
    await startDemoHere();
  });
  afterAll(async () => {
    await demo?.close();
    t?.cleanup();
  });

  it('writes demo.json with the two enterprises, accounts, cards, clients and the manual', async () => {
    const c = JSON.parse(readFileSync(path.join(t.dir, 'demo.json'), 'utf8'));
    expect(c.platformUrl).toBe(demo.platform.url);
    expect(c.enterprises.map((e: { role: string }) => e.role).sort()).toEqual(['broker', 'owner']);
    for (const e of c.enterprises) {
      expect(e.customsCode).toMatch(/^\d{10}$/);
      expect(e.uscc).toHaveLength(18);
    }
    // the broker's and the importer's administrators, and the platform's operator (服务地区变更)
    expect(c.accounts).toHaveLength(3);
    expect(c.accounts[2]).toMatchObject({ account: 'platform01' });
    expect(c.accounts[0]).toMatchObject({ operatorCode: 'QH0030' });
    expect(c.cards.map((k: { kind: string }) => k.kind).sort()).toEqual(['legal', 'legal', 'operator', 'operator']);
    for (const k of c.cards) expect(k.cardNo).toMatch(/^\d{13}$/);
    expect(c.clients).toHaveLength(2);
    for (const cl of c.clients) {
      expect(cl.clientId).toMatch(/^DXPESW\d{10}$/);
      expect(cl.impPath).toBe(path.join(t.dir, 'clients', cl.clientId, 'ImpPath'));
      for (const box of Object.values(cl.businesses.DecCus001) as string[]) expect(existsSync(box)).toBe(true);
      expect(existsSync(path.join(cl.impPath, 'Sas', 'OutBox'))).toBe(true);
    }
    expect(c.manuals).toEqual([
      {
        manualNo: expect.stringMatching(/^E\d{11}$/),
        enterpriseCode: c.enterprises.find((e: { role: string }) => e.role === 'owner').customsCode,
      },
    ]);
    const items = await demo.platform.deps.store.manuals.listItems(c.manuals[0].manualNo);
    expect(items.filter((i) => i.kind === 'img').length).toBeGreaterThanOrEqual(20);
    expect(items.filter((i) => i.kind === 'exg').length).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(c)).not.toContain('secret');
  });

  it("demo.json and the banner give each client's status page, which answers for that client", async () => {
    const c = JSON.parse(readFileSync(path.join(t.dir, 'demo.json'), 'utf8'));
    const banner = tour(demo.contract, t.dir, path.join(t.dir, 'demo.log'));
    for (const cl of c.clients) {
      expect(cl.statusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(banner).toContain(cl.statusUrl);
      const status = await (await fetch(`${cl.statusUrl}/api/status`)).json();
      expect(status.clientId).toBe(cl.clientId);
    }
    expect(new Set(c.clients.map((cl: { statusUrl: string }) => cl.statusUrl)).size).toBe(2);
  });

  it("the banner sends a first-time user to the importer's login for the push tour, with its card and InBox", () => {
    const banner = tour(demo.contract, t.dir, path.join(t.dir, 'demo.log'));
    const owner = demo.contract.enterprises.find((e) => e.role === 'owner')!.customsCode;
    const importer = demo.contract.accounts.find((a) => a.enterpriseCode === owner)!;
    const legal = demo.contract.cards.find((x) => x.enterpriseCode === owner && x.kind === 'legal')!;
    const first = banner.split('\n').find((l) => /first time/.test(l));
    expect(first).toContain(`${importer.account} / ${importer.password}`);
    expect(first).toContain('push tour');
    // and names the platform's operator, who approves 服务地区变更 (用户管理)
    const platform = demo.contract.accounts.find((a) => a.account === 'platform01')!;
    expect(banner).toContain(`${platform.account} / ${platform.password}`);
    expect(banner).toContain(`${legal.cardNo} PIN ${legal.pin}`);
    const inBox = demo.contract.clients.find((x) => x.role === 'owner')!.businesses.DecCus001.inBox;
    // the banner shows paths relative to the working folder where they lie under it
    const rel = path.relative(process.cwd(), inBox);
    expect(banner).toContain(rel.startsWith('..') ? inBox : rel);
  });

  it('every file of the demo that holds a secret is readable by its owner only (0600)', () => {
    const c = JSON.parse(readFileSync(path.join(t.dir, 'demo.json'), 'utf8'));
    const files = [path.join(t.dir, 'demo.json'), path.join(t.dir, 'demo-state.json'), path.join(t.dir, 'platform.db')];
    for (const cl of c.clients) {
      files.push(cl.configFile);
      const dir = path.dirname(cl.configFile);
      for (const f of readdirSync(dir).filter((n) => /^card-\d{13}\.json$/.test(n))) files.push(path.join(dir, f));
    }
    expect(files.filter((f) => /card-/.test(f))).toHaveLength(2);
    for (const f of files) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
  });

  it('a DecMessage goes to SentBox, Successed_ holds SeqNo, then receipts 7 → L → J → P → R arrive', async () => {
    await drop('declaration.xml', example);
    const ok = await waitFor(() => inBox().find((f) => /^Successed_declaration_\d{21}\.xml$/.test(f)), 'Successed_');
    const resp = parseDecImportResponse(inBoxFile(ok));
    expect(resp.responseCode).toBe('0');
    expect(resp.clientSeqNo).toBe(EXAMPLE_CLIENT_SEQ_NO);
    expect(resp.seqNo).toMatch(/^E\d{17}$/);
    const stamp = /_(\d{21})\.xml$/.exec(ok)![1];
    const sent = path.join(dec.sentBox, chinaDay(new Date()), `declaration_${stamp}.xml`);
    await waitFor(() => existsSync(sent), 'the file in SentBox/<date>/');
    const sentXml = readFileSync(sent, 'utf8');
    expect(sentXml).toMatch(/<Sign>[A-Za-z0-9+/=]{60,}<\/Sign>/);
    expect(sentXml).toContain(
      `<ICCode>${demo.contract.cards.find((k) => k.enterpriseCode === '4403980001' && k.kind === 'operator')!.cardNo}</ICCode>`,
    );

    const receipts = await waitFor(() => {
      const r = inBox().filter((f) => f.startsWith(`Receipt_${resp.seqNo}_`));
      return r.length === 5 ? r : null;
    }, 'five receipts');
    const parsed = receipts.sort().map((f) => parseDecResult(inBoxFile(f)));
    expect(parsed.map((r) => r.channel)).toEqual(['7', 'L', 'J', 'P', 'R']);
    for (const r of parsed) {
      expect(r.cusCiqNo).toBe(resp.seqNo);
      expect(r.noticeDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(r.note).not.toBe('');
    }
    expect(parsed[0].entryId).toBe('');
    expect(parsed[0].note).toContain('直接申报成功');
    expect(parsed[3].note).toContain('放行');
    expect(parsed[4].entryId).toMatch(/^5300\d{4}0\d{9}$/);
    expect(new Set(parsed.slice(1).map((r) => r.entryId)).size).toBe(1);
  });

  it('the same example dropped again is refused: its ClientSeqNo was imported already (ResponseCode 1, the file in SentBox)', async () => {
    await drop('declaration-again.xml', example);
    const failed = await waitFor(() => inBox().find((f) => f.startsWith('Failed_declaration-again_')), 'Failed_ for the repeat');
    const resp = parseDecImportResponse(inBoxFile(failed));
    expect(resp.responseCode).toBe('1');
    expect(resp.clientSeqNo).toBe(EXAMPLE_CLIENT_SEQ_NO);
    expect(resp.errorMessage).toMatch(
      new RegExp(`ClientSeqNo\\(客户端报关单编号\\)\\[${EXAMPLE_CLIENT_SEQ_NO}\\]重复，已导入为统一编号\\[E\\d{17}\\]`),
    );
    await waitFor(() => filesBelow(dec.sentBox).some((f) => /declaration-again_\d{21}\.xml$/.test(f)), 'the repeat in SentBox');
    // with a ClientSeqNo of its own, as an ERP gives each declaration, the copy is a new declaration
    await drop('declaration-2.xml', withClientSeqNo(example, 'E53002026112100002'));
    const ok = await waitFor(() => inBox().find((f) => f.startsWith('Successed_declaration-2_')), 'Successed_ for the new ClientSeqNo');
    expect(parseDecImportResponse(inBoxFile(ok))).toMatchObject({ responseCode: '0', clientSeqNo: 'E53002026112100002' });
  });

  it('a ZIP with the XML and PDF attachments is signed inside and sent', async () => {
    const zip = await writeZip([
      { name: 'declaration.xml', data: withClientSeqNo(example) },
      { name: 'invoice.pdf', data: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n') },
    ]);
    await drop('with-attachments.zip', zip);
    const ok = await waitFor(() => inBox().find((f) => f.startsWith('Successed_with-attachments_')), 'Successed_ for the zip');
    expect(parseDecImportResponse(inBoxFile(ok)).responseCode).toBe('0');
    await waitFor(() => filesBelow(dec.sentBox).some((f) => /with-attachments_\d{21}\.zip$/.test(f)), 'zip in SentBox');
  });

  it('a ZIP whose PDF no EdocRealation names is refused by the sandbox, naming the file (FAQ 15)', async () => {
    const zip = await writeZip([
      { name: 'declaration.xml', data: withClientSeqNo(example) },
      { name: 'packing-list.pdf', data: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n') },
    ]);
    await drop('unlisted-pdf.zip', zip);
    const refused = await waitFor(() => inBox().find((f) => f.startsWith('Failed_unlisted-pdf_')), 'Failed_ for the zip');
    const answer = parseDecImportResponse(inBoxFile(refused));
    expect(answer.responseCode).toBe('1');
    expect(answer.errorMessage).toContain('随附单据[packing-list.pdf]在EdocRealation中没有对应的EdocID或EdocCopId');
  });

  it('bad files go to FailBox with a Failed_ <Root> that names the code', async () => {
    const folderZip = await new Promise<Buffer>((resolve) => {
      const z = new yazl.ZipFile();
      z.addBuffer(example, 'declaration.xml');
      z.addBuffer(Buffer.from('%PDF-1.4'), 'docs/invoice.pdf');
      z.end();
      const chunks: Buffer[] = [];
      z.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    });
    const cases: [string, string | Buffer, string][] = [
      ['broken.xml', '<DecMessage><DecHead></DecMessage>', 'C902'],
      ['empty.xml', '', 'C901'],
      ['folder.zip', folderZip, 'C904'],
      ['notes.txt', 'hello', 'C907'],
      ['unknown.xml', '<?xml version="1.0"?><Hello/>', 'C903'],
    ];
    for (const [name, content] of cases) await drop(name, content);
    for (const [name, , code] of cases) {
      const base = name.replace(/\.[^.]+$/, '');
      const ext = name.slice(base.length);
      const failed = await waitFor(() => inBox().find((f) => f.startsWith(`Failed_${base}_`)), `Failed_ for ${name}`);
      const root = parseFailureRoot(inBoxFile(failed));
      expect(root.resultFlag).toBe('0');
      expect(root.failCode).toBe(code);
      expect(root.failInfo.length).toBeGreaterThan(3);
      const stamp = /_(\d{21})\.xml$/.exec(failed)![1];
      await waitFor(() => existsSync(path.join(dec.failBox, chinaDay(new Date()), `${base}_${stamp}${ext}`)), `${name} in FailBox/<date>/`);
    }
  });

  it('each client keeps its daily log SWLog-<yyyyMMdd>.log (China date) in its own folder: one readable line per send, receipt and failure', async () => {
    const day = chinaDay(new Date()).replace(/-/g, '');
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    expect(broker.logDir).toBe(path.join(t.dir, 'clients', broker.clientId, 'logs'));
    const file = path.join(broker.logDir!, day, `SWLog-${day}.log`);
    const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    // the files are filed before their log lines are written (and the log stream writes behind): wait for
    // the fifth receipt's line and the broken file's
    await waitFor(
      () =>
        (lines().filter((l) => l.includes('接收成功 (received into InBox) file=Receipt_')).length >= 5 &&
          lines().some((l) => l.includes('file=broken.xml'))) ||
        null,
      'five receipt lines and the broken file line',
    );
    const all = lines();
    for (const l of all) expect(l).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} (INFO |WARN |ERROR|DEBUG) /);
    expect(all.some((l) => l.startsWith('{'))).toBe(false);
    const sent = all.find((l) => / \[DecCus001\] 发送成功 \(sent\) file=declaration\.xml msgId=DXPESW\d{31} /.test(l));
    expect(sent, all.join('\n')).toBeDefined();
    expect(sent).toMatch(/receipt=Successed_declaration_\d{21}\.xml/);
    expect(all.find((l) => l.includes('file=broken.xml') && l.includes('failCode=C902'))).toMatch(
      / (WARN|ERROR) .*FailBox|本地检查未通过|发送失败/,
    );
    expect(all.join('\n')).not.toContain(demo.contract.cards.find((k) => k.enterpriseCode === '4403980001' && k.kind === 'operator')!.pin);
    // the China date names the file and its folder; the other client has its own
    expect(existsSync(path.join(owner.logDir!, day, `SWLog-${day}.log`))).toBe(true);
    expect(readFileSync(path.join(owner.logDir!, day, `SWLog-${day}.log`), 'utf8')).toContain('客户端启动 (import client starting)');
  });

  it('a well-formed DecMessage the platform refuses: Failed_ holds DecImportResponse 1, the file is in SentBox', async () => {
    const noSeq = example.toString('utf8').replace(/<ClientSeqNo>[^<]*<\/ClientSeqNo>/g, '<ClientSeqNo></ClientSeqNo>');
    await drop('no-client-seq.xml', noSeq);
    const failed = await waitFor(() => inBox().find((f) => f.startsWith('Failed_no-client-seq_')), 'Failed_ for the refused declaration');
    const resp = parseDecImportResponse(inBoxFile(failed));
    expect(resp.responseCode).toBe('1');
    expect(resp.errorMessage).toContain('ClientSeqNo');
    await waitFor(() => filesBelow(dec.sentBox).some((f) => /no-client-seq_\d{21}\.xml$/.test(f)), 'refused file in SentBox');
  });

  it('a client signing with a card of another enterprise is refused: the card is not the sender’s', async () => {
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const owner = demo.contract.clients.find((c) => c.role === 'owner')!;
    const brokerConfig = JSON.parse(readFileSync(broker.configFile, 'utf8'));
    const ownerConfig = JSON.parse(readFileSync(owner.configFile, 'utf8'));
    const impPath = path.join(t.dir, 'misconfigured', 'ImpPath');
    let client: RunningClient | undefined;
    try {
      client = await startClient({ ...brokerConfig, impPath, card: ownerConfig.card, stableMs: 100, rescanMs: 100 }, { logger });
      const outBox = path.join(impPath, 'DecCus001', 'OutBox');
      await fs.writeFile(path.join(outBox, 'foreign-card.xml'), withClientSeqNo(example));
      const inBoxDir = path.join(impPath, 'DecCus001', 'InBox');
      const failed = await waitFor(
        () => filesBelow(inBoxDir).find((f) => f.startsWith('Failed_foreign-card_')),
        'Failed_ for the foreign card',
      );
      const resp = parseDecImportResponse(readFileSync(path.join(inBoxDir, failed), 'utf8'));
      expect(resp.responseCode).toBe('1');
      expect(resp.errorMessage).toMatch(/IC卡\[\d{13}\]不存在或不属于发送企业\[4403980001\]/);
    } finally {
      await client?.stop();
    }
  });

  it('temporary files are left alone in OutBox', async () => {
    await fs.writeFile(path.join(dec.outBox, 'being-written.xml.tmp'), example);
    await new Promise((r) => setTimeout(r, 600));
    expect(existsSync(path.join(dec.outBox, 'being-written.xml.tmp'))).toBe(true);
    await fs.rm(path.join(dec.outBox, 'being-written.xml.tmp'));
  });

  it('nothing is lost: every dropped file is in exactly one of SentBox or FailBox', async () => {
    await waitFor(
      () => filesBelow(dec.outBox).length === 0 && filesBelow(path.join(root, '.osw-work'), { hidden: true }).length === 0,
      'OutBox and work folder empty',
    );
    const archived = [...filesBelow(dec.sentBox), ...filesBelow(dec.failBox)];
    expect(archived).toHaveLength(dropped);
  });

  it('after a crash between claim and answer, a restart sends each claimed file once and files it', async () => {
    const broker = demo.contract.clients.find((c) => c.role === 'broker')!;
    const cfg = JSON.parse(readFileSync(broker.configFile, 'utf8'));
    const work = path.join(root, '.osw-work');
    // one file the platform had imported before the crash: its answer was lost on the way back
    const answeredStamp = '202611211200000000043';
    const signed = await new CardFileSigner(cfg.card.file, cfg.card.pin).signDeclaration(
      withClientSeqNo(example.toString('utf8')),
      new Date(),
    );
    const transport = new HttpTransport({
      baseUrl: cfg.platform.url,
      clientId: cfg.clientId,
      secret: cfg.platform.secret,
      sendTimeoutMs: 5000,
      device: deviceFingerprint(cfg.clientId, cfg.deviceId),
    });
    const first = await transport.send({
      messageId: `${cfg.clientId}${answeredStamp}`,
      fileName: 'answered.xml',
      business: 'declaration',
      body: Buffer.from(signed),
    });
    expect(first.accepted).toBe(true);
    const before = (await demo.platform.deps.store.declarations.listFor('4403980001', 1000)).length;
    const enterprises = await demo.platform.deps.store.identity.countEnterprises();
    await demo.close();

    const crashedStamp = '202611211200000000042';
    await fs.writeFile(path.join(work, `${crashedStamp}__crashed.xml`), withClientSeqNo(example));
    await fs.writeFile(path.join(work, `${answeredStamp}__S__answered.xml`), signed);
    dropped += 2;
    await startDemoHere();
    expect(demo.contract.clients.find((c) => c.role === 'broker')!.clientId).toBe(broker.clientId);
    await waitFor(() => inBox().includes(`Successed_crashed_${crashedStamp}.xml`), 'Successed_ for the claimed file');
    const again = await waitFor(
      () => inBox().find((f) => f === `Successed_answered_${answeredStamp}.xml`),
      'Successed_ for the answered file',
    );
    expect(parseDecImportResponse(inBoxFile(again)).seqNo).toBe(parseDecImportResponse(first.responseXml).seqNo);
    await waitFor(() => existsSync(path.join(dec.sentBox, chinaDay(new Date()), `crashed_${crashedStamp}.xml`)), 'resumed file in SentBox');
    await waitFor(
      () => existsSync(path.join(dec.sentBox, chinaDay(new Date()), `answered_${answeredStamp}.xml`)),
      'answered file in SentBox',
    );
    expect((await demo.platform.deps.store.declarations.listFor('4403980001', 1000)).length).toBe(before + 1);
    // the restart seeded nothing again
    expect(await demo.platform.deps.store.identity.countEnterprises()).toBe(enterprises);
    expect(filesBelow(work)).toEqual([]);
    expect([...filesBelow(dec.sentBox), ...filesBelow(dec.failBox)]).toHaveLength(dropped);
  });
});
