import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import type { KeyObject } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLES, tempDir, withClientSeqNo } from '../../../test/helpers.js';
import { keyFingerprint, openCardKey, parseDecImportResponse, parseDecResult, signDecMessage } from '@osw/messages';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { openSqliteStore, type OpenedStore } from '../src/adapters/sqlite/open.js';
import { build } from '../src/api/app.js';
import { createEnterprise, createOperator, issueCard, type IssuedCard } from '../src/core/identity/registry.js';
import { registerClient } from '../src/core/clients/registry.js';
import { silentLogger, type PlatformDeps } from '../src/core/ports.js';
import { DeclarationSandbox, declarationPath, INSPECTION_PATH, NORMAL_PATH, REFUSAL_PATH } from '../src/core/sandbox/declarations.js';
import { startSandboxWorker } from '../src/core/sandbox/worker.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');

interface Party {
  clientId: string;
  secret: string;
  card: IssuedCard;
  /** the card's private key, opened once */
  key: KeyObject;
}

interface World {
  deps: PlatformDeps;
  opened: OpenedStore;
  app: Awaited<ReturnType<typeof build>>;
  sandbox: DeclarationSandbox;
  broker: Party;
  owner: Party;
  /** moves the fake clock on */
  advance(ms: number): void;
  cleanup: () => void;
}

const START = new Date('2026-11-21T02:00:00Z');
let template: Promise<{ file: string; broker: Party; owner: Party }> | undefined;

/** Seeds enterprises, cards and clients once per file (card keys are sealed with a memory-hard KDF); each test copies the database. */
function seededTemplate() {
  template ??= (async () => {
    const t = tempDir('osw-platform-template-');
    process.once('exit', t.cleanup);
    const file = path.join(t.dir, 'template.db');
    const opened = await openSqliteStore(file);
    const deps = { store: opened.store, clock: { now: () => START } };
    await createEnterprise(deps, { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '报关行', region: '5300' });
    await createEnterprise(deps, { customsCode: '4403960002', uscc: '91440300MA5F8K3L7P', name: '收发货人', region: '5300' });
    await createOperator(deps, {
      account: 'broker01',
      password: 'broker-pass',
      enterpriseCode: '4403980001',
      name: '林',
      operatorCode: 'QH0030',
    });
    await createOperator(deps, {
      account: 'owner01',
      password: 'owner-pass',
      enterpriseCode: '4403960002',
      name: '陈',
      operatorCode: 'QH0031',
    });
    const brokerCard = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
    const ownerCard = await issueCard(deps, { enterpriseCode: '4403960002', kind: 'operator', pin: '12345678' });
    const b = await registerClient(deps, { enterpriseCode: '4403980001', region: '5300', transport: 'http', environment: 'test' });
    const o = await registerClient(deps, { enterpriseCode: '4403960002', region: '5300', transport: 'http', environment: 'test' });
    await opened.close();
    return {
      file,
      broker: { ...b, card: brokerCard, key: await openCardKey(brokerCard, '12345678') },
      owner: { ...o, card: ownerCard, key: await openCardKey(ownerCard, '12345678') },
    };
  })();
  return template;
}

async function world(): Promise<World> {
  const tpl = await seededTemplate();
  const t = tempDir();
  copyFileSync(tpl.file, path.join(t.dir, 'p.db'));
  const opened = await openSqliteStore(path.join(t.dir, 'p.db'));
  let now = START;
  const deps: PlatformDeps = { store: opened.store, clock: { now: () => now }, logger: silentLogger, notifier: new InProcessNotifier() };
  const sandbox = new DeclarationSandbox({ paceMs: 1000 });
  const app = await build({ deps, customs: sandbox, sms: new OutboxSmsSender(deps), webhook: new HttpWebhookPort() });
  return {
    deps,
    opened,
    app,
    sandbox,
    broker: tpl.broker,
    owner: tpl.owner,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    cleanup: t.cleanup,
  };
}

function signWith(party: Party, xml = example) {
  return signDecMessage(xml, {
    privateKey: party.key,
    cardNo: party.card.cardNo,
    certificate: keyFingerprint(party.card.publicKeyPem),
    signDate: '20261121100000000',
  });
}

/** The example as the owner's own declaration: its 海关十位 as the operating enterprise (CopCode), FAQ 19. */
function asOwner(xml: string): string {
  return xml.replaceAll('<CopCode>4403980001</CopCode>', '<CopCode>4403960002</CopCode>');
}

function basic(c: { clientId: string; secret: string }) {
  return 'Basic ' + Buffer.from(`${c.clientId}:${c.secret}`).toString('base64');
}

async function send(w: World, c: { clientId: string; secret: string }, messageId: string, body: string | Buffer, fileName = 'dec.xml') {
  const res = await w.app.inject({
    method: 'POST',
    url: '/exchange/v1/messages',
    headers: {
      authorization: basic(c),
      'content-type': 'application/octet-stream',
      'x-osw-message-id': messageId,
      'x-osw-file-name': encodeURIComponent(fileName),
      'x-osw-business': 'declaration',
    },
    payload: Buffer.from(body),
  });
  return { status: res.statusCode, body: res.json() };
}

describe('platform: exchange import, sandbox receipts, API', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.app.close();
    await w.opened.close();
    w.cleanup();
  });

  it('accepts a signed declaration and answers DecImportResponse 0 with a new SeqNo', async () => {
    const r = await send(w, w.broker, `${w.broker.clientId}000000000000000000001`, signWith(w.broker));
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(true);
    const resp = parseDecImportResponse(r.body.responseXml);
    expect(resp).toMatchObject({ responseCode: '0', clientSeqNo: 'E53002026112100001' });
    expect(resp.seqNo).toMatch(/^E2026\d{13}$/);
  });

  it('a repeated message id is answered again and imported once', async () => {
    const body = signWith(w.broker);
    const a = await send(w, w.broker, `${w.broker.clientId}000000000000000000002`, body);
    const b = await send(w, w.broker, `${w.broker.clientId}000000000000000000002`, body);
    expect(b.body.duplicate).toBe(true);
    expect(b.body.responseXml).toBe(a.body.responseXml);
    expect(await w.deps.store.declarations.listFor('4403980001', 10)).toHaveLength(1);
  });

  it('a signed file sent again under a new message id is refused: its ClientSeqNo was imported already', async () => {
    const body = signWith(w.broker);
    const first = await send(w, w.broker, `${w.broker.clientId}000000000000000000011`, body);
    const seqNo = parseDecImportResponse(first.body.responseXml).seqNo;
    const again = await send(w, w.broker, `${w.broker.clientId}000000000000000000012`, body);
    expect(again.body).toMatchObject({ accepted: false, duplicate: false, documentKey: null });
    const resp = parseDecImportResponse(again.body.responseXml);
    expect(resp).toMatchObject({ responseCode: '1', clientSeqNo: 'E53002026112100001' });
    expect(resp.seqNo).toBeFalsy();
    expect(resp.errorMessage).toBe(`导入失败：ClientSeqNo(客户端报关单编号)[E53002026112100001]重复，已导入为统一编号[${seqNo}]`);
    // the message ids still get their stored answers
    const firstAgain = await send(w, w.broker, `${w.broker.clientId}000000000000000000011`, body);
    expect(firstAgain.body).toMatchObject({ accepted: true, duplicate: true, responseXml: first.body.responseXml });
    const repeatAgain = await send(w, w.broker, `${w.broker.clientId}000000000000000000012`, body);
    expect(repeatAgain.body).toMatchObject({ accepted: false, duplicate: true, responseXml: again.body.responseXml });
    // a new ClientSeqNo is a new declaration; another enterprise numbers its own
    const next = await send(w, w.broker, `${w.broker.clientId}000000000000000000013`, signWith(w.broker, withClientSeqNo(example, 'C2')));
    expect(next.body.accepted).toBe(true);
    const owners = await send(w, w.owner, `${w.owner.clientId}000000000000000000011`, signWith(w.owner, asOwner(example)));
    expect(owners.body.accepted).toBe(true);
    expect(await w.deps.store.declarations.listFor('4403980001', 10)).toHaveLength(2);
  });

  it('the same ClientSeqNo sent under several message ids at once is accepted once', async () => {
    const body = signWith(w.broker);
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => send(w, w.broker, `${w.broker.clientId}00000000000000000002${i}`, body)),
    );
    expect(answers.filter((a) => a.body.accepted)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.body.accepted))
      expect(parseDecImportResponse(a.body.responseXml).errorMessage).toContain('ClientSeqNo(客户端报关单编号)[E53002026112100001]重复');
    expect(await w.deps.store.declarations.listFor('4403980001', 10)).toHaveLength(1);
  });

  it('an unknown card and another enterprise’s card get the same answer: the exchange does not tell which card numbers exist', async () => {
    const foreign = await send(w, w.broker, `${w.broker.clientId}000000000000000000003`, signWith(w.owner));
    const unknownNo = '8950000099999';
    expect(await w.deps.store.identity.getCard(unknownNo)).toBeUndefined();
    const unknown = await send(
      w,
      w.broker,
      `${w.broker.clientId}000000000000000000010`,
      signWith({ ...w.broker, card: { ...w.broker.card, cardNo: unknownNo } }),
    );
    for (const r of [foreign, unknown]) expect(r.body.accepted).toBe(false);
    const resp = parseDecImportResponse(foreign.body.responseXml);
    expect(resp.responseCode).toBe('1');
    expect(resp.errorMessage).toBe(
      `导入失败：非白名单用户或者ic卡号不合法：IC卡[${w.owner.card.cardNo}]不存在或不属于发送企业[4403980001]`,
    );
    const blind = (xml: string, cardNo: string) => xml.replaceAll(cardNo, '<card>');
    expect(blind(unknown.body.responseXml, unknownNo)).toBe(blind(foreign.body.responseXml, w.owner.card.cardNo));
  });

  it('FAQ 20: a card that has expired or is locked is refused "非白名单用户或者ic卡号不合法"; before expiry the same card is accepted', async () => {
    const card = (await w.deps.store.identity.getCard(w.broker.card.cardNo))!;
    // issued at START for five years
    expect(card.validUntil).toBe('2031-11-21T02:00:00.000Z');
    w.advance(Date.parse(card.validUntil!) - START.getTime() - 1000);
    const before = await send(w, w.broker, `${w.broker.clientId}000000000000000000030`, signWith(w.broker, withClientSeqNo(example, 'V1')));
    expect(before.body.accepted).toBe(true);
    w.advance(2000);
    const after = await send(w, w.broker, `${w.broker.clientId}000000000000000000031`, signWith(w.broker, withClientSeqNo(example, 'V2')));
    expect(after.body).toMatchObject({ accepted: false, documentKey: null });
    expect(parseDecImportResponse(after.body.responseXml)).toMatchObject({
      responseCode: '1',
      clientSeqNo: 'V2',
      errorMessage: `导入失败：非白名单用户或者ic卡号不合法：IC卡[${w.broker.card.cardNo}]已过期(有效期至2031-11-21 10:00:00)`,
    });
    for (let i = 0; i < 5; i++) await w.deps.store.identity.recordCardPinFailure(w.owner.card.cardNo);
    const locked = await send(w, w.owner, `${w.owner.clientId}000000000000000000032`, signWith(w.owner, asOwner(example)));
    expect(parseDecImportResponse(locked.body.responseXml).errorMessage).toBe(
      `导入失败：非白名单用户或者ic卡号不合法：IC卡[${w.owner.card.cardNo}]已锁定`,
    );
  });

  it('FAQ 20: a declaration whose DecSign/Certificate is not the card named in ICCode is refused "非白名单用户或者ic卡号不合法"', async () => {
    const signed = signWith(w.broker).replace(
      /<Certificate>[^<]*<\/Certificate>/,
      `<Certificate>${keyFingerprint(w.owner.card.publicKeyPem)}</Certificate>`,
    );
    const r = await send(w, w.broker, `${w.broker.clientId}000000000000000000033`, signed);
    expect(parseDecImportResponse(r.body.responseXml).errorMessage).toBe(
      `导入失败：非白名单用户或者ic卡号不合法：DecSign/Certificate与IC卡[${w.broker.card.cardNo}]证书不符`,
    );
  });

  it('FAQ 19: CopCode or TypistNo of another enterprise than the card’s is refused "操作卡海关十位和Session中的不相符", naming each field', async () => {
    const foreign = example.replaceAll('<CopCode>4403980001</CopCode>', '<CopCode>4403960002</CopCode>');
    const r = await send(w, w.broker, `${w.broker.clientId}000000000000000000034`, signWith(w.broker, foreign));
    expect(r.body.accepted).toBe(false);
    expect(parseDecImportResponse(r.body.responseXml).errorMessage).toBe(
      '导入失败：操作卡海关十位和Session中的不相符：DecSign.CopCode[4403960002]不是IC卡所属企业[4403980001]；' +
        '操作卡海关十位和Session中的不相符：DecHead.CopCode[4403960002]不是IC卡所属企业[4403980001]',
    );
    // the enterprise's USCC or its 组织机构代码 name it as well as its 海关十位
    const byUscc = example
      .replace(/(<DecHead>[\s\S]*?)<CopCode>4403980001<\/CopCode>/, '$1<CopCode>91440300MA5G0B1X2K</CopCode>')
      .replace(/(<DecSign>[\s\S]*?)<CopCode>4403980001<\/CopCode>/, '$1<CopCode>MA5G0B1X2</CopCode>');
    const ok = await send(w, w.broker, `${w.broker.clientId}000000000000000000035`, signWith(w.broker, byUscc));
    expect(ok.body.accepted).toBe(true);
    // a TypistNo that is a card of another enterprise
    const typist = withClientSeqNo(example, 'T1').replace(/<TypistNo>\d*<\/TypistNo>/, `<TypistNo>${w.owner.card.cardNo}</TypistNo>`);
    const t = await send(w, w.broker, `${w.broker.clientId}000000000000000000036`, signWith(w.broker, typist));
    expect(parseDecImportResponse(t.body.responseXml).errorMessage).toBe(
      `导入失败：操作卡海关十位和Session中的不相符：DecHead.TypistNo[${w.owner.card.cardNo}]不是IC卡所属企业[4403980001]的卡`,
    );
  });

  it('refuses a declaration without ClientSeqNo, unsigned, or tampered with after signing', async () => {
    const noSeq = signWith(w.broker, example.replace(/<ClientSeqNo>E53002026112100001<\/ClientSeqNo>/, '<ClientSeqNo></ClientSeqNo>'));
    const r1 = parseDecImportResponse((await send(w, w.broker, `${w.broker.clientId}000000000000000000004`, noSeq)).body.responseXml);
    expect(r1.responseCode).toBe('1');
    expect(r1.errorMessage).toContain('ClientSeqNo(客户端报关单编号)不能为空');
    const unsigned = example.replace(/<ICCode>\d*<\/ICCode>/, `<ICCode>${w.broker.card.cardNo}</ICCode>`);
    const r2 = parseDecImportResponse((await send(w, w.broker, `${w.broker.clientId}000000000000000000005`, unsigned)).body.responseXml);
    expect(r2.errorMessage).toContain('报文未加签');
    const tampered = signWith(w.broker).replace('<TradeCode>4403960002</TradeCode>', '<TradeCode>4403960009</TradeCode>');
    const r3 = parseDecImportResponse((await send(w, w.broker, `${w.broker.clientId}000000000000000000006`, tampered)).body.responseXml);
    expect(r3.errorMessage).toContain('报文签名验证失败');
  });

  it('refuses like customs a declaration whose codes or numbers are wrong: ResponseCode 1 naming each field, nothing stored, no receipts', async () => {
    const worker = startSandboxWorker(w.deps, w.sandbox, { tickMs: 60_000 });
    try {
      const cases: [string, (xml: string) => string, string[]][] = [
        [
          'TradeCurr XYZ',
          (x) => x.replace('<TradeCurr>USD</TradeCurr>', '<TradeCurr>XYZ</TradeCurr>'),
          ['DecLists.DecList[1].TradeCurr: 币制(TradeCurr)[XYZ]不在货币代码表中'],
        ],
        [
          'TradeMode 9876',
          (x) => x.replace('<TradeMode>0110</TradeMode>', '<TradeMode>9876</TradeMode>'),
          ['DecHead.TradeMode: 监管方式(TradeMode)[9876]不在监管方式代码表中'],
        ],
        [
          'empty TradeMode, GrossWet abc',
          (x) =>
            x
              .replace('<TradeMode>0110</TradeMode>', '<TradeMode></TradeMode>')
              .replace(/<GrossWet>[^<]*<\/GrossWet>/, '<GrossWet>abc</GrossWet>'),
          ['DecHead.TradeMode: 监管方式(TradeMode)不能为空', 'DecHead.GrossWet: 毛重(GrossWet)须为非负数字，实为[abc]'],
        ],
      ];
      let n = 30;
      for (const [what, change, named] of cases) {
        const r = await send(w, w.broker, `${w.broker.clientId}0000000000000000000${n++}`, signWith(w.broker, change(example)));
        expect(r.body, what).toMatchObject({ accepted: false, documentKey: null });
        const resp = parseDecImportResponse(r.body.responseXml);
        expect(resp.responseCode, what).toBe('1');
        expect(resp.seqNo, what).toBeFalsy();
        expect(resp.errorMessage, what).toBe(`导入失败：01暂存的业务报文格式数据不正确!${named.join('；')}`);
      }
      expect(await w.deps.store.declarations.listFor('4403980001', 10)).toEqual([]);
      w.advance(60_000);
      expect(await worker.runDue()).toBe(0);
      const inbox = await w.app.inject({ method: 'GET', url: '/exchange/v1/inbox', headers: { authorization: basic(w.broker) } });
      expect(inbox.json().messages).toEqual([]);
      // corrected, the same ClientSeqNo is accepted: a refused declaration did not use it up
      const fixed = await send(w, w.broker, `${w.broker.clientId}000000000000000000039`, signWith(w.broker));
      expect(parseDecImportResponse(fixed.body.responseXml)).toMatchObject({ responseCode: '0', errorMessage: '暂存成功' });
    } finally {
      await worker.stop();
    }
  });

  it('answers a message it cannot read with a failure Root and a code', async () => {
    const r = await send(w, w.broker, `${w.broker.clientId}000000000000000000007`, '<DecMessage><DecHead>');
    expect(r.body.accepted).toBe(false);
    expect(r.body.responseXml).toContain('<failCode>C902</failCode>');
  });

  it('the exchange refuses a wrong client secret with 401 and a stable code', async () => {
    const r = await send(w, { clientId: w.broker.clientId, secret: 'wrong' }, `${w.broker.clientId}000000000000000000008`, example);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('OSW_AUTH_FAILED');
  });

  it('issues 7 → L → J → P → R receipts to the sender, in order, at the sandbox pace', async () => {
    const worker = startSandboxWorker(w.deps, w.sandbox, { tickMs: 60_000 });
    try {
      await send(w, w.broker, `${w.broker.clientId}000000000000000000009`, signWith(w.broker));
      expect(await worker.runDue()).toBe(0);
      w.advance(1000);
      expect(await worker.runDue()).toBe(1);
      w.advance(10_000);
      expect(await worker.runDue()).toBe(4);
      const inbox = await w.app.inject({ method: 'GET', url: '/exchange/v1/inbox?max=10', headers: { authorization: basic(w.broker) } });
      const msgs = inbox.json().messages as { deliveryId: number; fileName: string; body: string }[];
      const receipts = msgs.map((m) => parseDecResult(m.body));
      expect(receipts.map((r) => r.channel)).toEqual([...NORMAL_PATH]);
      expect(receipts[0].entryId).toBe('');
      expect(receipts[4].entryId).toMatch(/^530020260\d{9}$/);
      expect(msgs[0].fileName).toMatch(new RegExp(`^Receipt_${receipts[0].cusCiqNo}_\\d{21}\\.xml$`));
      // nothing for the importer's client: that is subscription, not exchange
      const other = await w.app.inject({ method: 'GET', url: '/exchange/v1/inbox', headers: { authorization: basic(w.owner) } });
      expect(other.json().messages).toEqual([]);
      // acknowledged deliveries are not delivered again; unacknowledged ones are
      await w.app.inject({
        method: 'POST',
        url: '/exchange/v1/inbox/ack',
        headers: { authorization: basic(w.broker) },
        payload: { deliveryIds: msgs.slice(0, 3).map((m) => m.deliveryId) },
      });
      const again = await w.app.inject({ method: 'GET', url: '/exchange/v1/inbox', headers: { authorization: basic(w.broker) } });
      expect(again.json().messages.map((m: { fileName: string }) => m.fileName)).toEqual(msgs.slice(3).map((m) => m.fileName));
      // a client cannot acknowledge another client's deliveries
      const foreign = await w.app.inject({
        method: 'POST',
        url: '/exchange/v1/inbox/ack',
        headers: { authorization: basic(w.owner) },
        payload: { deliveryIds: msgs.map((m) => m.deliveryId) },
      });
      expect(foreign.json().acked).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('scenario rules: #查验 takes the inspection path, #退单 the refusal path', () => {
    expect(declarationPath(example)).toEqual(NORMAL_PATH);
    expect(declarationPath(example.replace(/<NoteS>([^<]*)<\/NoteS>/, '<NoteS>$1 #查验</NoteS>'))).toEqual(INSPECTION_PATH);
    expect(declarationPath(example.replace(/<NoteS>([^<]*)<\/NoteS>/, '<NoteS>#退单</NoteS>'))).toEqual(REFUSAL_PATH);
  });

  it('REST API: login, then each enterprise sees its own declarations only', async () => {
    await send(w, w.broker, `${w.broker.clientId}000000000000000000010`, signWith(w.broker));
    const unauth = await w.app.inject({ method: 'GET', url: '/api/v1/declarations' });
    expect(unauth.statusCode).toBe(401);
    expect(unauth.json().error.code).toBe('OSW_AUTH_REQUIRED');
    const bad = await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { account: 'broker01', password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    const token = (
      await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { account: 'broker01', password: 'broker-pass' } })
    ).json().token;
    const list = (await w.app.inject({ method: 'GET', url: '/api/v1/declarations', headers: { authorization: `Bearer ${token}` } })).json();
    expect(list.items).toHaveLength(1);
    const seqNo = list.items[0].seqNo;
    const one = await w.app.inject({ method: 'GET', url: `/api/v1/declarations/${seqNo}`, headers: { authorization: `Bearer ${token}` } });
    expect(one.json().clientSeqNo).toBe('E53002026112100001');
    // the importer named as 收发货人 sees it too
    const ownerToken = (
      await w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { account: 'owner01', password: 'owner-pass' } })
    ).json().token;
    expect(
      (await w.app.inject({ method: 'GET', url: `/api/v1/declarations/${seqNo}`, headers: { authorization: `Bearer ${ownerToken}` } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await w.app.inject({ method: 'GET', url: '/api/v1/declarations/E20269999999999999', headers: { authorization: `Bearer ${token}` } }))
        .statusCode,
    ).toBe(404);
  });

  it('five wrong passwords from one address stop that address for the account, not the operator elsewhere', async () => {
    const from = (remoteAddress: string, password: string) =>
      w.app.inject({ method: 'POST', url: '/api/v1/session', payload: { account: 'owner01', password }, remoteAddress });
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.7', 'wrong')).statusCode).toBe(401);
    const r = await from('203.0.113.7', 'owner-pass');
    expect(r.statusCode).toBe(429);
    expect(r.json().error.code).toBe('OSW_AUTH_RATE_LIMITED');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('198.51.100.9', 'owner-pass')).statusCode).toBe(200);
  });
});
