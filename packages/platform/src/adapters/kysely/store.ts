/**
 * The store the platform process uses, on Kysely: the slice stores of `stores/` composed, on one
 * connection pool or one transaction. The same code serves SQLite and PostgreSQL; what differs
 * between them is in `capabilities.ts`.
 */
import { sql, type Kysely } from 'kysely';
import type { Store } from '../../core/store.js';
import { sqliteCapabilities, type EngineCapabilities } from './capabilities.js';
import type { Database } from './schema.js';
import { KyselyAlertStore } from './stores/alerts.js';
import { KyselyAuditStore } from './stores/audit.js';
import { KyselyClientStore } from './stores/clients.js';
import { CommitSignal, type Db } from './stores/common.js';
import { KyselyDeclarationStore } from './stores/declarations.js';
import { KyselyDeliveryStore, KyselyInboundStore } from './stores/exchange.js';
import { KyselyIdentityStore } from './stores/identity.js';
import { KyselyManualStore } from './stores/manuals.js';
import { KyselyPushJobStore, KyselyPushRequestStore } from './stores/push-work.js';
import { KyselyPushStore } from './stores/pushes.js';
import { KyselySandboxStore } from './stores/sandbox.js';
import { KyselySerialStore } from './stores/serials.js';
import { KyselySmsStore } from './stores/sms.js';
import {
  KyselyDeclarationSubscriptionStore,
  KyselyManualSubscriptionStore,
  KyselyReceiptSubscriptionStore,
} from './stores/subscriptions.js';
import { KyselyFeedStore, KyselyWebhookStore } from './stores/webhooks.js';
import { PLAIN_BOX, type SecretBox } from './secret-box.js';

export class KyselyStore implements Store {
  readonly identity;
  readonly clients;
  readonly inbound;
  readonly deliveries;
  readonly declarations;
  readonly manuals;
  readonly declarationSubscriptions;
  readonly receiptSubscriptions;
  readonly manualSubscriptions;
  readonly pushes;
  readonly pushRequests;
  readonly pushJobs;
  readonly webhooks;
  readonly feed;
  readonly sandbox;
  readonly sms;
  readonly audit;
  readonly alerts;
  readonly serials;

  constructor(
    private readonly db: Db,
    /** engine differences (claims with FOR UPDATE SKIP LOCKED on PostgreSQL) */
    private readonly caps: EngineCapabilities = sqliteCapabilities,
    /** seals secrets kept at rest (webhook secrets) */
    private readonly box: SecretBox = PLAIN_BOX,
    /** raised after a commit that made pushes due (the push engine wakes on it) */
    private readonly pushesDue: CommitSignal = new CommitSignal(),
  ) {
    const ctx = { db, caps, pushesDue };
    this.identity = new KyselyIdentityStore(db);
    this.clients = new KyselyClientStore(db);
    this.inbound = new KyselyInboundStore(db);
    this.deliveries = new KyselyDeliveryStore(ctx);
    this.declarations = new KyselyDeclarationStore(db);
    this.manuals = new KyselyManualStore(db);
    this.declarationSubscriptions = new KyselyDeclarationSubscriptionStore(db);
    this.receiptSubscriptions = new KyselyReceiptSubscriptionStore(db);
    this.manualSubscriptions = new KyselyManualSubscriptionStore(db);
    this.pushes = new KyselyPushStore(ctx);
    this.pushRequests = new KyselyPushRequestStore(ctx);
    this.pushJobs = new KyselyPushJobStore(ctx);
    this.webhooks = new KyselyWebhookStore(db, box);
    this.feed = new KyselyFeedStore(db);
    this.sandbox = new KyselySandboxStore(ctx);
    this.sms = new KyselySmsStore(db);
    this.audit = new KyselyAuditStore(db);
    this.alerts = new KyselyAlertStore(db);
    this.serials = new KyselySerialStore(db);
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    const due = this.pushesDue.forTransaction();
    const r = await (this.db as Kysely<Database>).transaction().execute((trx) => fn(new KyselyStore(trx, this.caps, this.box, due)));
    due.committed();
    return r;
  }

  async savepoint<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (!this.db.isTransaction) return this.transaction(fn);
    // one name serves: savepoints nest, and a rollback or release takes the innermost of the name
    await sql`savepoint osw_step`.execute(this.db);
    let result: T;
    try {
      result = await fn(this);
    } catch (err) {
      await sql`rollback to savepoint osw_step`.execute(this.db);
      await sql`release savepoint osw_step`.execute(this.db);
      throw err;
    }
    await sql`release savepoint osw_step`.execute(this.db);
    return result;
  }

  claiming<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    // row locks (PostgreSQL): the claim holds for the whole of fn; one writer (SQLite): short steps
    return this.caps.forUpdateSkipLocked ? this.transaction(fn) : fn(this);
  }
}
