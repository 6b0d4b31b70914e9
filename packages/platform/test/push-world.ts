/** The API world plus a push engine with real channels (embedded SMS outbox, feed, fetch webhooks) and helpers to raise events. */
import { acknowledgeDeliveries, takeDeliveries } from '../src/core/exchange/outbound.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLES } from '../../../test/helpers.js';
import { FeedAppPush } from '../src/adapters/push/feed.js';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { PushEngine } from '../src/core/push/engine.js';
import { raiseDeclarationData } from '../src/core/push/matching.js';
import type { PushPolicy } from '../src/core/push/ports.js';
import type { DeclarationRow, DeliveryRow, ReceiptSubscriptionRow } from '../src/core/store.js';
import { declarationRow } from '../../../test/support/declarations.js';
import { DeclarationSandbox } from '../src/core/sandbox/declarations.js';
import { apiWorld, BROKER, OWNER, type ApiWorld } from './api-world.js';

export const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8');

export interface PushWorld extends ApiWorld {
  engine: PushEngine;
  sandbox: DeclarationSandbox;
  /** a declaration the broker's client sent for the owner (收发货人), accepted now: 申报数据 raised */
  declare(seqNo?: string, xml?: string): Promise<DeclarationRow>;
  /** customs issues these receipts now, one after the other */
  receipts(seqNo: string, channels: readonly string[]): Promise<void>;
  /** what a client fetches from its queue, acknowledged unless `ack` is false */
  take(clientId: string, opts?: { ack?: boolean }): Promise<DeliveryRow[]>;
  receiptSubscription(row: Partial<ReceiptSubscriptionRow>): Promise<number>;
  /** the owner's client subscribes to 报关单数据 (the data and 海关入库, 接单, 放行) through the API with the 法人卡; its id */
  subscribeDeclarations(): Promise<number>;
  /**
   * a declaration with these receipts and another one beside it, their pushes made and fetched by the
   * owner's client (what the push log, its export and the event log then show)
   */
  pushedDeclaration(channels: readonly string[]): Promise<{ declaration: DeclarationRow; other: DeclarationRow }>;
}

let serial = 0;

/** the tests' webhook receivers listen on this machine: the platform is told to allow it, as an operator would */
export const LOCAL_WEBHOOKS = new HttpWebhookPort({ allowPrivate: ['127.0.0.1/32'] });

export async function pushWorld(policy: Partial<PushPolicy> = {}, webhook: HttpWebhookPort = LOCAL_WEBHOOKS): Promise<PushWorld> {
  const w = await apiWorld({ webhook });
  const { deps } = w;
  const engine = new PushEngine(deps, { sms: new OutboxSmsSender(deps), app: new FeedAppPush(deps), webhook }, policy);
  const sandbox = new DeclarationSandbox({ paceMs: 0 });
  const world: PushWorld = {
    ...w,
    engine,
    sandbox,
    async declare(seqNo = `E2026${String(++serial).padStart(13, '0')}`, xml = example) {
      const at = deps.clock.now().toISOString();
      const d = declarationRow({ seqNo, senderClientId: w.broker.clientId, broker: BROKER, owner: OWNER, at, xml });
      await deps.store.transaction(async (tx) => {
        await tx.declarations.insert(d);
        await raiseDeclarationData(tx, d, deps.clock.now());
      });
      return d;
    },
    async receipts(seqNo, channels) {
      for (const channel of channels)
        await deps.store.transaction((tx) => sandbox.issueReceipt(tx, { documentKey: seqNo, payload: { channel } }, deps.clock.now()));
    },
    async take(clientId, opts = {}) {
      const rows = await takeDeliveries(deps, clientId, 500);
      if (opts.ack !== false)
        await acknowledgeDeliveries(
          deps,
          clientId,
          rows.map((r) => r.id),
        );
      return rows;
    },
    async receiptSubscription(row) {
      return deps.store.receiptSubscriptions.insert({
        enterpriseCode: OWNER,
        pushMethod: 'sms',
        mode: 'enterprise',
        documentNo: null,
        seqNo: null,
        phone: null,
        clientId: null,
        operatorCardNo: null,
        operatorAccount: 'owner01',
        operatorCode: 'QH0031',
        receiptTypes: null,
        channels: null,
        validUntil: null,
        expiresAt: null,
        cancelledAt: null,
        createdAt: deps.clock.now().toISOString(),
        ...row,
      });
    },
    async subscribeDeclarations() {
      const r = await w.call(w.owner, 'POST', '/api/v1/subscriptions/declaration', {
        clientId: w.owner.clientId,
        declarationData: true,
        receiptTypes: ['海关入库', '接单', '放行'],
        card: w.legal(w.owner),
      });
      if (r.status !== 201) throw new Error(`subscribing to declarations answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.id as number;
    },
    async pushedDeclaration(channels) {
      const declaration = await world.declare();
      await world.receipts(declaration.seqNo, channels);
      const other = await world.declare();
      await engine.runOnce();
      await world.take(w.owner.clientId);
      return { declaration, other };
    },
  };
  return world;
}
