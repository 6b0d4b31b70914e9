/**
 * The HTTP exchange's batch route (`POST /exchange/v1/messages/batch`) on every engine: each message
 * keeps its own id, answer and failure, the batch is imported in one store transaction, and the
 * request is bounded before anything is parsed.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { declarationSeqNo, keyFingerprint, openCardKey, parseDecImportResponse, signDecMessage } from '@osw/messages';
import { BATCH_BODY_LIMIT, BATCH_MAX_MESSAGES, EXCHANGE_HTTP, type BatchMessage, type ImportOutcome } from '@osw/messages/exchange';
import { EXAMPLES, withClientSeqNo } from '../../../test/helpers.js';
import { eachEngine, type TestDatabase } from '../../../test/support/engines.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import type { OpenedStore } from '../src/adapters/sqlite/open.js';
import { build } from '../src/api/app.js';
import { registerClient } from '../src/core/clients/registry.js';
import { createEnterprise, issueCard, type IssuedCard } from '../src/core/identity/registry.js';
import { silentLogger, type PlatformDeps } from '../src/core/ports.js';
import { DeclarationSandbox } from '../src/core/sandbox/declarations.js';
import { importBatch } from '../src/core/exchange/import-batch.js';
import type { Store } from '../src/core/store.js';

const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');

interface Party {
  clientId: string;
  secret: string;
  card: IssuedCard;
  key: KeyObject;
}

for (const engine of eachEngine()) {
  describe(`HTTP exchange batches on ${engine.name}`, () => {
    let db: TestDatabase;
    let opened: OpenedStore;
    let deps: PlatformDeps;
    let app: Awaited<ReturnType<typeof build>>;
    let broker: Party;
    let owner: Party;
    let n = 0;
    const id = (c: Party) => `${c.clientId}B${String(++n).padStart(12, '0')}`;

    beforeAll(async () => {
      db = await engine.create();
      opened = await db.open();
      deps = { store: opened.store, clock: { now: () => new Date() }, logger: silentLogger, notifier: new InProcessNotifier() };
      await createEnterprise(deps, { customsCode: '4403980001', uscc: '91440300MA5G0B1X2K', name: '报关行', region: '5300' });
      await createEnterprise(deps, { customsCode: '4403960002', uscc: '91440300MA5F8K3L7P', name: '收发货人', region: '5300' });
      const party = async (enterpriseCode: string): Promise<Party> => {
        const card = await issueCard(deps, { enterpriseCode, kind: 'operator', pin: '12345678' });
        const c = await registerClient(deps, { enterpriseCode, region: '5300', transport: 'http', environment: 'test' });
        return { ...c, card, key: await openCardKey(card, '12345678') };
      };
      broker = await party('4403980001');
      owner = await party('4403960002');
      app = await build({
        deps,
        customs: new DeclarationSandbox({ paceMs: 1000 }),
        sms: new OutboxSmsSender(deps),
        webhook: new HttpWebhookPort(),
      });
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await opened?.close();
      await db?.drop();
    });

    // the party's own declaration: its 海关十位 as the operating enterprise (CopCode, FAQ 19)
    const signed = (p: Party) =>
      signDecMessage(withClientSeqNo(example).replaceAll('<CopCode>4403980001</CopCode>', `<CopCode>${p.card.enterpriseCode}</CopCode>`), {
        privateKey: p.key,
        cardNo: p.card.cardNo,
        certificate: keyFingerprint(p.card.publicKeyPem),
        signDate: '20261121100000000',
      });
    const message = (messageId: string, xml: string, extra: Partial<BatchMessage> = {}): BatchMessage => ({
      messageId,
      fileName: `${messageId}.xml`,
      business: 'declaration',
      body: Buffer.from(xml).toString('base64'),
      ...extra,
    });
    const post = async (c: Party, payload: unknown, headers: Record<string, string> = {}) => {
      const res = await app.inject({
        method: 'POST',
        url: EXCHANGE_HTTP.messagesBatch,
        headers: {
          authorization: 'Basic ' + Buffer.from(`${c.clientId}:${c.secret}`).toString('base64'),
          'content-type': 'application/json',
          ...headers,
        },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      return { status: res.statusCode, body: res.json() };
    };

    test('answers each message in order (accepted, refused, duplicate), in one store transaction', async () => {
      const first = id(broker);
      const unsigned = id(broker);
      const transactions = vi.spyOn(opened.store, 'transaction');
      const r = await post(broker, {
        messages: [
          message(first, signed(broker)),
          message(unsigned, withClientSeqNo(example)),
          message('bad id', signed(broker)),
          message(first, signed(broker)),
        ],
      });
      expect(transactions).toHaveBeenCalledTimes(1);
      transactions.mockRestore();
      expect(r.status).toBe(200);
      const outcomes = r.body.outcomes as ImportOutcome[];
      expect(outcomes.map((o) => o.messageId)).toEqual([first, unsigned, 'bad id', first]);
      const [a, b, c, d] = outcomes;
      expect(a).toMatchObject({ ok: true, accepted: true, duplicate: false, family: 'declaration' });
      expect(parseDecImportResponse((a as { responseXml: string }).responseXml).responseCode).toBe('0');
      expect(b).toMatchObject({ ok: true, accepted: false, duplicate: false });
      expect(parseDecImportResponse((b as { responseXml: string }).responseXml).responseCode).toBe('1');
      expect(c).toMatchObject({ ok: false, error: { code: 'OSW_EXCHANGE_BAD_MESSAGE_ID' } });
      expect(d).toMatchObject({ ok: true, accepted: true, duplicate: true, responseXml: (a as { responseXml: string }).responseXml });
      // the refusals rolled nothing back: the accepted declaration and both stored answers are there
      expect((await deps.store.inbound.get(broker.clientId, first))?.accepted).toBe(true);
      expect((await deps.store.inbound.get(broker.clientId, unsigned))?.accepted).toBe(false);
    });

    test('a ClientSeqNo is taken once: a second file with it in the same batch, or in a later one, is refused as a repeat', async () => {
      const xml = signed(broker);
      const [first, again, later] = [id(broker), id(broker), id(broker)];
      const r = await post(broker, { messages: [message(first, xml), message(again, xml)] });
      const [a, b] = r.body.outcomes as { responseXml: string }[];
      const accepted = parseDecImportResponse(a.responseXml);
      expect(accepted.responseCode).toBe('0');
      const repeat = parseDecImportResponse(b.responseXml);
      expect(repeat.responseCode).toBe('1');
      expect(repeat.errorMessage).toContain(accepted.seqNo);
      const [c] = (await post(broker, { messages: [message(later, xml)] })).body.outcomes as { responseXml: string }[];
      expect(parseDecImportResponse(c.responseXml).errorMessage).toContain(accepted.seqNo);
    });

    test('the SeqNos of a batch follow one another: a refused declaration takes none, and the next batch goes on from the last', async () => {
      const serial = (o: unknown) => Number(parseDecImportResponse((o as { responseXml: string }).responseXml).seqNo!.slice(5));
      const r = await post(broker, {
        messages: [
          message(id(broker), signed(broker)),
          message(id(broker), withClientSeqNo(example)), // unsigned: refused
          message(id(broker), signed(broker)),
          message(id(broker), signed(broker)),
        ],
      });
      const [a, refused, b, c] = r.body.outcomes as { responseXml: string }[];
      expect(parseDecImportResponse(refused.responseXml).responseCode).toBe('1');
      expect([serial(b), serial(c)]).toEqual([serial(a) + 1, serial(a) + 2]);
      // the block reserved four and gave back the one not taken
      const [d] = (await post(broker, { messages: [message(id(broker), signed(broker))] })).body.outcomes;
      expect(serial(d)).toBe(serial(c) + 1);
    });

    // another instance on the same database: a connection of its own, outside the batch's transaction
    test.runIf(engine.name === 'postgres')(
      'a ClientSeqNo another instance takes while a batch imports is refused alone, as a repeat; the rest of the batch is accepted',
      async () => {
        const raced = signed(broker);
        const clientSeqNo = /<ClientSeqNo>([^<]+)<\/ClientSeqNo>/.exec(raced)![1];
        const racer = declarationSeqNo(2026, 9_999_999_999_999);
        let once = false;
        const racing = (s: Store): Store =>
          new Proxy(s, {
            get: (t, prop) =>
              prop === 'declarations'
                ? new Proxy(t.declarations, {
                    get: (d, p) =>
                      p === 'insertMany'
                        ? async (rows: Parameters<Store['declarations']['insertMany']>[0]) => {
                            if (!once) {
                              once = true;
                              const mine = rows.find((r) => r.row.clientSeqNo === clientSeqNo)!.row;
                              await deps.store.declarations.insert({ ...mine, seqNo: racer, messageId: 'RACER', xml: raced });
                            }
                            return d.insertMany(rows);
                          }
                        : Reflect.get(d, p, d),
                  })
                : prop === 'transaction' || prop === 'savepoint'
                  ? (fn: (tx: Store) => Promise<unknown>) => t[prop]((tx) => fn(racing(tx)))
                  : Reflect.get(t, prop, t),
          });
        const client = (await deps.store.clients.get(broker.clientId))!;
        const entry = (messageId: string, xml: string) => ({
          client,
          messageId,
          fileName: 'd.xml',
          business: 'declaration',
          body: Buffer.from(xml),
        });
        const outcomes = (await importBatch({ ...deps, store: racing(deps.store) }, new DeclarationSandbox({ paceMs: 1000 }), [
          entry(id(broker), raced),
          entry(id(broker), signed(broker)),
        ])) as { responseXml: string }[];
        const [lost, won] = outcomes.map((o) => parseDecImportResponse(o.responseXml));
        expect(once).toBe(true);
        expect(lost.responseCode).toBe('1');
        expect(lost.errorMessage).toContain(racer);
        expect(won.responseCode).toBe('0');
      },
    );

    test('signatures are checked ahead of the transaction, each against its own card: a changed byte or another card is refused alone', async () => {
      const good = id(broker);
      const tampered = id(broker);
      const othersCard = id(broker);
      const ownerSigned = id(owner);
      const r = await post(broker, {
        messages: [
          message(good, signed(broker)),
          message(tampered, signed(broker).replace('<DeclTrnRel>0</DeclTrnRel>', '<DeclTrnRel>1</DeclTrnRel>')),
          // signed with the owner's card: a card of another enterprise than the sender's
          message(othersCard, signed(owner)),
        ],
      });
      const answers = (r.body.outcomes as ImportOutcome[]).map((o) => parseDecImportResponse((o as { responseXml: string }).responseXml));
      expect(answers.map((a) => a.responseCode)).toEqual(['0', '1', '1']);
      expect(answers[1].errorMessage).toContain('报文签名验证失败');
      expect(answers[2].errorMessage).toContain('不存在或不属于发送企业');
      const theirs = await post(owner, { messages: [message(ownerSigned, signed(owner))] });
      expect(theirs.body.outcomes[0]).toMatchObject({ ok: true, accepted: true });
    });

    test('a message id sent before, alone or in an earlier batch, gets its first answer', async () => {
      const single = id(broker);
      const xml = signed(broker);
      const alone = await app.inject({
        method: 'POST',
        url: EXCHANGE_HTTP.messages,
        headers: {
          authorization: 'Basic ' + Buffer.from(`${broker.clientId}:${broker.secret}`).toString('base64'),
          'content-type': 'application/octet-stream',
          'x-osw-message-id': single,
          'x-osw-file-name': 'a.xml',
          'x-osw-business': 'declaration',
        },
        payload: Buffer.from(xml),
      });
      expect(alone.json()).toMatchObject({ accepted: true });
      const r = await post(broker, { messages: [message(single, xml)] });
      expect(r.body.outcomes).toEqual([{ ok: true, ...alone.json(), duplicate: true }]);
    });

    test('a message naming another client as its sender is refused; the others go in under the client that authenticated', async () => {
      const mine = id(broker);
      const theirs = id(owner);
      const r = await post(broker, {
        messages: [
          message(mine, signed(broker), { clientId: broker.clientId }),
          message(theirs, signed(owner), { clientId: owner.clientId }),
        ],
      });
      expect(r.body.outcomes[0]).toMatchObject({ ok: true, accepted: true });
      expect(r.body.outcomes[1]).toMatchObject({ ok: false, messageId: theirs, error: { code: 'OSW_EXCHANGE_BAD_REQUEST' } });
      expect(await deps.store.inbound.get(owner.clientId, theirs)).toBeUndefined();
      expect(await deps.store.inbound.get(broker.clientId, theirs)).toBeUndefined();
      // another enterprise's declaration without a sender claim is the sender's own upload: refused for the card
      const other = id(broker);
      const s = await post(broker, { messages: [message(other, signed(owner))] });
      expect(s.body.outcomes[0]).toMatchObject({ ok: true, accepted: false });
      expect(s.body.outcomes[0].responseXml).toContain('不属于发送企业');
    });

    test('a batch larger than the limit is refused with 413 before it is parsed', async () => {
      const parse = vi.spyOn(JSON, 'parse');
      const r = await post(broker, 'x'.repeat(BATCH_BODY_LIMIT + 1));
      const parsedBody = parse.mock.calls.some(([text]) => typeof text === 'string' && text.length > BATCH_BODY_LIMIT);
      parse.mockRestore();
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE');
      expect(parsedBody).toBe(false);
    });

    test('a malformed batch is refused with 400 and a stable code, nothing imported', async () => {
      for (const payload of [
        '{"messages": [',
        { messages: 'none' },
        { messages: [] },
        { messages: Array.from({ length: BATCH_MAX_MESSAGES + 1 }, (_, i) => message(`${broker.clientId}M${i}xxxxxxx`, '<a/>')) },
        { messages: [{ messageId: id(broker), fileName: 'a.xml', business: 'declaration' }] },
      ]) {
        const r = await post(broker, payload);
        expect(r.status, JSON.stringify(payload).slice(0, 60)).toBe(400);
        expect(['OSW_EXCHANGE_BAD_REQUEST', 'OSW_VALIDATION', 'OSW_HTTP_FST_ERR_CTP_INVALID_JSON_BODY']).toContain(r.body.error.code);
      }
      const r = await post(broker, { messages: [message(id(broker), '<a/>', { body: 'not base64!' })] });
      expect(r.body.outcomes[0]).toMatchObject({ ok: false, error: { code: 'OSW_EXCHANGE_BAD_REQUEST' } });
    });

    test('a step of a batch transaction that fails undoes its own writes only; the transaction goes on and commits', async () => {
      await deps.store.transaction(async (tx) => {
        await tx.serials.next('batch-test:kept');
        await expect(
          tx.savepoint(async (sp) => {
            await sp.serials.next('batch-test:undone');
            await sp.serials.next('batch-test:kept');
            throw new Error('this message failed');
          }),
        ).rejects.toThrow('this message failed');
        await tx.serials.next('batch-test:kept');
      });
      expect(await deps.store.serials.next('batch-test:kept')).toBe(3);
      expect(await deps.store.serials.next('batch-test:undone')).toBe(1);
    });

    test('a message whose import fails unexpectedly fails alone: the others of its batch are imported, its own writes undone', async () => {
      const failing = (inbound: Store['inbound']) =>
        new Proxy(inbound, {
          get: (t, prop) =>
            prop === 'insert'
              ? async (row: { messageId: string }) => {
                  if (row.messageId.includes('FAILS')) throw new Error('scripted store failure');
                  return t.insert(row as never);
                }
              : prop === 'insertMany' // a batch writes its rows as a set: the set fails with the row
                ? async (rows: { messageId: string }[]) => {
                    if (rows.some((r) => r.messageId.includes('FAILS'))) throw new Error('scripted store failure');
                    return t.insertMany(rows as never);
                  }
                : Reflect.get(t, prop, t),
        });
      const scripted = (s: Store): Store =>
        new Proxy(s, {
          get: (t, prop) =>
            prop === 'inbound'
              ? failing(t.inbound)
              : prop === 'transaction' || prop === 'savepoint'
                ? (fn: (tx: Store) => Promise<unknown>) => t[prop]((tx) => fn(scripted(tx)))
                : Reflect.get(t, prop, t),
        });
      const client = (await deps.store.clients.get(broker.clientId))!;
      const entry = (messageId: string) => ({
        client,
        messageId,
        fileName: 'd.xml',
        business: 'declaration',
        body: Buffer.from(signed(broker)),
      });
      const [a, fails, b] = [id(broker), `${id(broker)}FAILS`, id(broker)];
      const before = (await deps.store.declarations.listFor('4403980001', 10_000)).length;
      const outcomes = await importBatch({ ...deps, store: scripted(deps.store) }, new DeclarationSandbox({ paceMs: 1000 }), [
        entry(a),
        entry(fails),
        entry(b),
      ]);
      expect(outcomes).toMatchObject([
        { ok: true, accepted: true, messageId: a },
        { ok: false, messageId: fails, error: { code: 'OSW_INTERNAL' } },
        { ok: true, accepted: true, messageId: b },
      ]);
      expect(await deps.store.inbound.get(broker.clientId, fails)).toBeUndefined();
      // the failing message's declaration went with it
      expect((await deps.store.declarations.listFor('4403980001', 10_000)).length).toBe(before + 2);
    });

    test('without the client’s secret nothing is read', async () => {
      const r = await post({ ...broker, secret: 'wrong' }, { messages: [message(id(broker), signed(broker))] });
      expect(r.status).toBe(401);
    });
  });
}
