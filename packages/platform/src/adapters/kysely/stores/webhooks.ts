/** Webhook endpoints and the app/WeChat feed on Kysely. */
import type { Selectable } from 'kysely';
import type { ListQuery } from '../../../core/paging.js';
import type { FeedMessageRow, FeedStore, PushSubscriptionKind, WebhookEndpointRow, WebhookStore } from '../../../core/push/store.js';
import type { Database } from '../schema.js';
import { PLAIN_BOX, type SecretBox } from '../secret-box.js';
import { createdRange, paged, type Db } from './common.js';

/** Webhook secrets are sealed at rest (AES-256-GCM, `SecretBox`); the core sees them open. */
export class KyselyWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox = PLAIN_BOX,
  ) {}

  private row(r: Selectable<Database['webhookEndpoints']>): WebhookEndpointRow {
    return { ...r, id: Number(r.id), subscriptionId: Number(r.subscriptionId), secret: this.box.open(r.secret) };
  }

  async insert(row: Omit<WebhookEndpointRow, 'id'>): Promise<number> {
    const r = await this.db
      .insertInto('webhookEndpoints')
      .values({ ...row, secret: this.box.seal(row.secret) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  /** Seals the secrets written before the store had a key; returns how many. */
  async sealStoredSecrets(): Promise<number> {
    if (!this.box.sealing) return 0;
    const rows = await this.db.selectFrom('webhookEndpoints').select(['id', 'secret']).where('secret', 'not like', 'enc:%').execute();
    for (const r of rows)
      await this.db
        .updateTable('webhookEndpoints')
        .set({ secret: this.box.seal(r.secret) })
        .where('id', '=', r.id)
        .where('secret', '=', r.secret)
        .execute();
    return rows.length;
  }
  async get(id: number) {
    const r = await this.db.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return r && this.row(r);
  }
  async list(enterpriseCode: string) {
    const rows = await this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('enterpriseCode', '=', enterpriseCode)
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => this.row(r));
  }
  async disable(id: number, at: string) {
    const r = await this.db
      .updateTable('webhookEndpoints')
      .set({ disabledAt: at })
      .where('id', '=', id)
      .where('disabledAt', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async enable(id: number) {
    const r = await this.db
      .updateTable('webhookEndpoints')
      .set({ disabledAt: null })
      .where('id', '=', id)
      .where('disabledAt', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  async setSecret(id: number, secret: string) {
    await this.db
      .updateTable('webhookEndpoints')
      .set({ secret: this.box.seal(secret) })
      .where('id', '=', id)
      .execute();
  }
  async forSubscriptions(subscriptionKind: PushSubscriptionKind, subscriptionIds: readonly number[]) {
    if (!subscriptionIds.length) return [];
    const rows = await this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('subscriptionKind', '=', subscriptionKind)
      .where('subscriptionId', 'in', [...subscriptionIds])
      .where('disabledAt', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map((r) => this.row(r));
  }
}

export class KyselyFeedStore implements FeedStore {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<FeedMessageRow, 'id'>): Promise<number> {
    const { payload, ...rest } = row;
    // a redelivery of the same push is one message in the feed
    const known = await this.db
      .selectFrom('messageFeed')
      .select('id')
      .where('channel', '=', row.channel)
      .where('messageId', '=', row.messageId)
      .executeTakeFirst();
    if (known) return Number(known.id);
    const r = await this.db
      .insertInto('messageFeed')
      .values({ ...rest, payloadJson: JSON.stringify(payload) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  list(enterpriseCode: string, channel: 'app' | 'wechat' | undefined, q: ListQuery) {
    const base = this.db
      .selectFrom('messageFeed')
      .where('enterpriseCode', '=', enterpriseCode)
      .$if(!!channel, (qb) => qb.where('channel', '=', channel!));
    return paged(
      createdRange(base, q, 'createdAt'),
      q,
      (qb) => qb.selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc'),
      (r): FeedMessageRow => {
        const { payloadJson, ...rest } = r;
        return { ...rest, id: Number(r.id), pushId: Number(r.pushId), payload: JSON.parse(payloadJson) };
      },
    );
  }
}
