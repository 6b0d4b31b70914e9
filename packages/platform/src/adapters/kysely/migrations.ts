/**
 * One set of forward-only migrations for SQLite and PostgreSQL. Each migration is frozen in time:
 * it uses Kysely<any> and never imports the current table types.
 */
import { Migrator, sql, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { EngineCapabilities } from './capabilities.js';

function migrations(caps: EngineCapabilities): Record<string, Migration> {
  const autoId = (t: CreateTableBuilder<any, any>): CreateTableBuilder<any, any> =>
    t.addColumn('id', caps.autoIdType, (c) => (caps.autoIdNeedsAutoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey()));
  return {
    '0001_skeleton': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('enterprises')
          .addColumn('customs_code', 'text', (c) => c.primaryKey())
          .addColumn('uscc', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('operators')
          .addColumn('account', 'text', (c) => c.primaryKey())
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('operator_code', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('locked_until', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('cards')
          .addColumn('card_no', 'text', (c) => c.primaryKey())
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('holder_account', 'text')
          .addColumn('public_key_pem', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('pin_hash', 'text', (c) => c.notNull())
          .addColumn('tries_left', 'integer', (c) => c.notNull())
          .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('cards_enterprise').on('cards').column('enterprise_code').execute();
        await db.schema
          .createTable('clients')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('region', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('transport', 'text', (c) => c.notNull())
          .addColumn('environment', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('device_fingerprint', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('clients_enterprise').on('clients').column('enterprise_code').execute();
        await db.schema
          .createTable('manuals')
          .addColumn('manual_no', 'text', (c) => c.primaryKey())
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('head_json', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('manual_items')
          .addColumn('manual_no', 'text', (c) => c.notNull().references('manuals.manual_no'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('serial', 'integer', (c) => c.notNull())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('unit', 'text', (c) => c.notNull())
          .addColumn('quantity', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('manual_items_pk', ['manual_no', 'kind', 'serial'])
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('account', 'text', (c) => c.notNull().references('operators.account'))
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('serials')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('inbound_messages')
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('business', 'text', (c) => c.notNull())
          .addColumn('file_name', 'text', (c) => c.notNull())
          .addColumn('family', 'text', (c) => c.notNull())
          .addColumn('message_type', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('body', caps.binaryType, (c) => c.notNull())
          .addColumn('accepted', 'integer', (c) => c.notNull())
          .addColumn('response_xml', 'text', (c) => c.notNull())
          .addColumn('document_key', 'text')
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('inbound_messages_pk', ['client_id', 'message_id'])
          .execute();
        await db.schema
          .createTable('declarations')
          .addColumn('seq_no', 'text', (c) => c.primaryKey())
          .addColumn('client_seq_no', 'text', (c) => c.notNull())
          .addColumn('sender_client_id', 'text', (c) => c.notNull())
          .addColumn('sender_enterprise', 'text', (c) => c.notNull())
          .addColumn('trade_code', 'text', (c) => c.notNull())
          .addColumn('owner_code', 'text', (c) => c.notNull())
          .addColumn('agent_code', 'text', (c) => c.notNull())
          .addColumn('ie_flag', 'text', (c) => c.notNull())
          .addColumn('custom_master', 'text', (c) => c.notNull())
          .addColumn('entry_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('xml', 'text', (c) => c.notNull())
          .addColumn('declared_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        for (const col of ['sender_enterprise', 'trade_code', 'owner_code'])
          await db.schema.createIndex(`declarations_${col}`).on('declarations').columns([col, 'declared_at']).execute();
        await db.schema
          .createTable('declaration_receipts')
          .$call(autoId)
          .addColumn('seq_no', 'text', (c) => c.notNull().references('declarations.seq_no'))
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('xml', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('declaration_receipts_seq').on('declaration_receipts').columns(['seq_no', 'id']).execute();
        await db.schema
          .createTable('deliveries')
          .$call(autoId)
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
          .addColumn('business', 'text', (c) => c.notNull())
          .addColumn('file_name', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('acked_at', 'text')
          .execute();
        await db.schema.createIndex('deliveries_pending').on('deliveries').columns(['client_id', 'acked_at', 'id']).execute();
        await db.schema
          .createTable('sandbox_jobs')
          .$call(autoId)
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('document_key', 'text', (c) => c.notNull())
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('due_at', 'text', (c) => c.notNull())
          .addColumn('done_at', 'text')
          .execute();
        await db.schema.createIndex('sandbox_jobs_due').on('sandbox_jobs').columns(['done_at', 'due_at', 'id']).execute();
      },
    },
    '0002_delivery_message_ids': {
      async up(db: Kysely<any>) {
        // every delivery carries a stable message id: a redelivery or a resend keeps it, receivers drop duplicates
        await db.schema.alterTable('deliveries').addColumn('message_id', 'text').execute();
        await db
          .updateTable('deliveries')
          .set({ message_id: sql`'OSW' || cast(id as text)` })
          .execute();
        await db.schema.createIndex('deliveries_message_id').on('deliveries').columns(['client_id', 'message_id']).unique().execute();
        await db.schema.alterTable('clients').addColumn('device_bound_at', 'text').execute();
      },
    },
    '0003_registry_subscriptions_audit': {
      async up(db: Kysely<any>) {
        // 海关编号 lookups (by-document receipt subscriptions); client lists by enterprise and date
        await db.schema.createIndex('declarations_entry_id').on('declarations').column('entry_id').execute();
        await db.schema.createIndex('clients_enterprise_created').on('clients').columns(['enterprise_code', 'created_at']).execute();

        // 报关单数据订阅
        await db.schema
          .createTable('declaration_subscriptions')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
          .addColumn('card_no', 'text', (c) => c.notNull())
          .addColumn('operator_account', 'text', (c) => c.notNull())
          .addColumn('operator_code', 'text', (c) => c.notNull())
          .addColumn('declaration_data', 'integer', (c) => c.notNull())
          .addColumn('receipt_types_json', 'text', (c) => c.notNull())
          .addColumn('channels_json', 'text', (c) => c.notNull())
          .addColumn('valid_until', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('cancelled_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('declaration_subscriptions_enterprise')
          .on('declaration_subscriptions')
          .columns(['enterprise_code', 'created_at'])
          .execute();
        await db.schema
          .createIndex('declaration_subscriptions_active')
          .on('declaration_subscriptions')
          .columns(['enterprise_code', 'expires_at'])
          .execute();

        // 报关状态订阅
        await db.schema
          .createTable('receipt_subscriptions')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('push_method', 'text', (c) => c.notNull())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('document_no', 'text')
          .addColumn('seq_no', 'text')
          .addColumn('phone', 'text')
          .addColumn('client_id', 'text')
          .addColumn('operator_card_no', 'text')
          .addColumn('operator_account', 'text', (c) => c.notNull())
          .addColumn('operator_code', 'text', (c) => c.notNull())
          .addColumn('cancelled_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('receipt_subscriptions_enterprise')
          .on('receipt_subscriptions')
          .columns(['enterprise_code', 'created_at'])
          .execute();
        await db.schema
          .createIndex('receipt_subscriptions_document')
          .on('receipt_subscriptions')
          .columns(['seq_no', 'cancelled_at'])
          .execute();
        await db.schema
          .createIndex('receipt_subscriptions_operator')
          .on('receipt_subscriptions')
          .columns(['mode', 'operator_code', 'cancelled_at'])
          .execute();
        await db.schema
          .createIndex('receipt_subscriptions_mode')
          .on('receipt_subscriptions')
          .columns(['mode', 'enterprise_code', 'cancelled_at'])
          .execute();

        // 加工贸易账册数据订阅; active_key holds `<enterprise>:<manual>` while an incremental one is in force (unique)
        await db.schema
          .createTable('manual_subscriptions')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
          .addColumn('card_no', 'text', (c) => c.notNull())
          .addColumn('operator_account', 'text', (c) => c.notNull())
          .addColumn('operator_code', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('manual_no', 'text', (c) => c.notNull().references('manuals.manual_no'))
          .addColumn('push_types', 'text', (c) => c.notNull())
          .addColumn('img_from', 'integer')
          .addColumn('img_to', 'integer')
          .addColumn('exg_from', 'integer')
          .addColumn('exg_to', 'integer')
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('valid_until', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('cancelled_at', 'text')
          .addColumn('active_key', 'text', (c) => c.unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('manual_subscriptions_enterprise')
          .on('manual_subscriptions')
          .columns(['enterprise_code', 'created_at'])
          .execute();
        await db.schema
          .createIndex('manual_subscriptions_manual')
          .on('manual_subscriptions')
          .columns(['manual_no', 'kind', 'expires_at'])
          .execute();

        // work for the push engine that is not a business event (a stock subscription's one push)
        await db.schema
          .createTable('push_requests')
          .$call(autoId)
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subscription_id', 'integer', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('done_at', 'text')
          .execute();
        await db.schema.createIndex('push_requests_pending').on('push_requests').columns(['done_at', 'id']).execute();

        // SMS verification codes (hashed) and the embedded provider's outbox
        await db.schema
          .createTable('verification_codes')
          .$call(autoId)
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();
        await db.schema.createIndex('verification_codes_phone').on('verification_codes').columns(['phone', 'created_at']).execute();
        await db.schema
          .createTable('sms_outbox')
          .$call(autoId)
          .addColumn('enterprise_code', 'text')
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sms_outbox_enterprise').on('sms_outbox').columns(['enterprise_code', 'created_at']).execute();

        // audit log of every change
        await db.schema
          .createTable('audit_log')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('account', 'text', (c) => c.notNull())
          .addColumn('card_no', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('entity_id', 'text', (c) => c.notNull())
          .addColumn('before_json', 'text')
          .addColumn('after_json', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_log_enterprise').on('audit_log').columns(['enterprise_code', 'at']).execute();
        await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();
      },
    },
    '0004_push_engine': {
      async up(db: Kysely<any>) {
        // business events (outbox): written in the transaction of the business change, with their pushes
        await db.schema
          .createTable('push_events')
          .$call(autoId)
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('document_key', 'text', (c) => c.notNull())
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('push_events_document').on('push_events').columns(['document_key', 'id']).execute();

        // the push log: one row per push to one target, with a stable message id
        await db.schema
          .createTable('pushes')
          .$call(autoId)
          .addColumn('message_id', 'text', (c) => c.notNull().unique())
          .addColumn('event_id', 'integer')
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('subscription_kind', 'text', (c) => c.notNull())
          .addColumn('subscription_id', 'integer', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('target_key', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text')
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('document_no', 'text')
          .addColumn('manual_no', 'text')
          .addColumn('order_key', 'text', (c) => c.notNull())
          .addColumn('business', 'text', (c) => c.notNull())
          .addColumn('file_name', 'text', (c) => c.notNull())
          .addColumn('body', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('handed_at', 'text')
          .addColumn('delivered_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('resent', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('resent_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        // due work; order per target and document/manual; the log's filters
        await db.schema.createIndex('pushes_due').on('pushes').columns(['handed_at', 'next_attempt_at', 'id']).execute();
        await db.schema.createIndex('pushes_order').on('pushes').columns(['target_key', 'order_key', 'id']).execute();
        await db.schema.createIndex('pushes_client_message').on('pushes').columns(['client_id', 'message_id']).execute();
        await db.schema.createIndex('pushes_enterprise').on('pushes').columns(['enterprise_code', 'created_at']).execute();
        await db.schema.createIndex('pushes_manual').on('pushes').columns(['manual_no', 'created_at']).execute();
        await db.schema.createIndex('pushes_document').on('pushes').columns(['document_no', 'created_at']).execute();
        await db.schema.createIndex('pushes_retention').on('pushes').columns(['status', 'created_at']).execute();

        await db.schema
          .createTable('push_attempts')
          .$call(autoId)
          .addColumn('push_id', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('push_attempts_push').on('push_attempts').columns(['push_id', 'id']).execute();

        // health of each push target (a client, a webhook endpoint, a phone, a feed): failures in a row, suspension
        await db.schema
          .createTable('push_targets')
          .addColumn('target_key', 'text', (c) => c.primaryKey())
          .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
          .addColumn('suspended_at', 'text')
          .addColumn('probe_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('webhook_endpoints')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull().references('enterprises.customs_code'))
          .addColumn('subscription_kind', 'text', (c) => c.notNull())
          .addColumn('subscription_id', 'integer', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('disabled_at', 'text')
          .execute();
        await db.schema
          .createIndex('webhook_endpoints_subscription')
          .on('webhook_endpoints')
          .columns(['subscription_kind', 'subscription_id'])
          .execute();
        await db.schema
          .createIndex('webhook_endpoints_enterprise')
          .on('webhook_endpoints')
          .columns(['enterprise_code', 'created_at'])
          .execute();

        // background jobs (bulk resend) with progress
        await db.schema
          .createTable('push_jobs')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('filter_json', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('total', 'integer', (c) => c.notNull())
          .addColumn('done_count', 'integer', (c) => c.notNull())
          .addColumn('skipped_count', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .addColumn('error', 'text')
          .execute();
        await db.schema.createIndex('push_jobs_status').on('push_jobs').columns(['status', 'id']).execute();

        // app (掌上海关) and WeChat (微信小程序) message feed per enterprise
        await db.schema
          .createTable('message_feed')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('push_id', 'integer', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('message_feed_enterprise').on('message_feed').columns(['enterprise_code', 'channel', 'id']).execute();
        await db.schema.createIndex('message_feed_message').on('message_feed').columns(['channel', 'message_id']).unique().execute();

        // sandbox: change requests of processing-trade manuals, approved after a delay or by a call
        await db.schema
          .createTable('manual_changes')
          .$call(autoId)
          .addColumn('manual_no', 'text', (c) => c.notNull().references('manuals.manual_no'))
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('account', 'text', (c) => c.notNull())
          .addColumn('change_json', 'text', (c) => c.notNull())
          .addColumn('auto_approve', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('version', 'integer')
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('decided_at', 'text')
          .execute();
        await db.schema.createIndex('manual_changes_manual').on('manual_changes').columns(['manual_no', 'id']).execute();
        await db.schema.createIndex('manual_changes_pending').on('manual_changes').columns(['status', 'requested_at']).execute();
        // acknowledged deliveries by age (retention)
        await db.schema.createIndex('deliveries_acked').on('deliveries').columns(['acked_at']).execute();
      },
    },
    '0005_sandbox_job_order': {
      async up(db: Kysely<any>) {
        // a document's open jobs, in order: a job runs only once every earlier one of its document is done
        await db.schema
          .createIndex('sandbox_jobs_document')
          .on('sandbox_jobs')
          .columns(['document_key', 'done_at', 'due_at', 'id'])
          .execute();
      },
    },
    '0006_client_last_seen': {
      async up(db: Kysely<any>) {
        // 客户端管理 live status: an HTTP client's last exchange request (any instance writes it)
        await db.schema.alterTable('clients').addColumn('last_seen_at', 'text').execute();
      },
    },
    '0007_declaration_client_seq_no': {
      async up(db: Kysely<any>) {
        // a ClientSeqNo (客户端编号) is accepted once per sender enterprise, decided by a unique index, also
        // between instances racing. Older databases may hold repeats accepted before this rule: the first
        // (lowest SeqNo) keeps the number in the indexed column, the repeats stay as they were with NULL there,
        // so the index is built on any data
        await db.schema.alterTable('declarations').addColumn('unique_client_seq_no', 'text').execute();
        await sql`
          update declarations set unique_client_seq_no = client_seq_no
          where client_seq_no <> '' and seq_no = (
            select min(d.seq_no) from declarations d
            where d.sender_enterprise = declarations.sender_enterprise and d.client_seq_no = declarations.client_seq_no
          )`.execute(db);
        await db.schema
          .createIndex('declarations_client_seq_no')
          .on('declarations')
          .columns(['sender_enterprise', 'unique_client_seq_no'])
          .unique()
          .execute();
      },
    },
    '0008_delivery_push_body': {
      async up(db: Kysely<any>) {
        // a push's delivery refers to the push for its body instead of holding a second copy; the
        // deliveries queued before keep theirs (push_id NULL), so the column is added on any data
        await db.schema.alterTable('deliveries').addColumn('push_id', 'integer').execute();
      },
    },
    '0009_push_log_indexes': {
      async up(db: Kysely<any>) {
        // fewer index entries written per push, and per hand-over:
        // - a client's pushes by message id are found through the unique message id index;
        // - due work is only the pushes not handed yet: the index holds those and loses each at its hand-over;
        // - the filter by manual reads only the pushes of a manual (receipt pushes have none)
        await db.schema.dropIndex('pushes_client_message').execute();
        await db.schema.dropIndex('pushes_due').execute();
        await db.schema
          .createIndex('pushes_due')
          .on('pushes')
          .columns(['next_attempt_at', 'id'])
          .where(sql.ref('handed_at'), 'is', null)
          .execute();
        await db.schema.dropIndex('pushes_manual').execute();
        await db.schema
          .createIndex('pushes_manual')
          .on('pushes')
          .columns(['manual_no', 'created_at'])
          .where(sql.ref('manual_no'), 'is not', null)
          .execute();
      },
    },
    '0010_receipt_subscription_lookup_indexes': {
      async up(db: Kysely<any>) {
        // the by-enterprise and by-operator lookups lead with the enterprise or operator code: with the mode
        // first, PostgreSQL without statistics on the table (a bulk load not yet analyzed) took
        // `mode = … and cancelled_at is null` as the selective part and walked every subscription of the mode
        await db.schema.dropIndex('receipt_subscriptions_mode').execute();
        await db.schema
          .createIndex('receipt_subscriptions_mode')
          .on('receipt_subscriptions')
          .columns(['enterprise_code', 'mode', 'cancelled_at'])
          .execute();
        await db.schema.dropIndex('receipt_subscriptions_operator').execute();
        await db.schema
          .createIndex('receipt_subscriptions_operator')
          .on('receipt_subscriptions')
          .columns(['operator_code', 'mode', 'cancelled_at'])
          .execute();
      },
    },
    '0011_resend_attempts': {
      async up(db: Kysely<any>) {
        // 重发 marked on the wire: a push counts its resends and its delivery carries the attempt, so the
        // client writes a resend again while it drops redeliveries; what the client did with each
        // delivery (written, dropped, rejected) goes on the push (latest) and on its attempt in the log
        await db.schema
          .alterTable('pushes')
          .addColumn('resend_count', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('pushes').addColumn('client_outcome', 'text').execute();
        await db.schema
          .alterTable('deliveries')
          .addColumn('resend', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('push_attempts').addColumn('resend', 'integer').execute();
        await db.schema.alterTable('push_attempts').addColumn('client_outcome', 'text').execute();
      },
    },
    '0012_receipt_subscription_client_validity': {
      async up(db: Kysely<any>) {
        // 报关状态订阅 by client (manual 001 §三): the receipt types it pushes and a validity of at most a
        // year. NULL on the rows from before and on the other push methods: every receipt, no end
        await db.schema.alterTable('receipt_subscriptions').addColumn('receipt_types_json', 'text').execute();
        await db.schema.alterTable('receipt_subscriptions').addColumn('channels_json', 'text').execute();
        await db.schema.alterTable('receipt_subscriptions').addColumn('valid_until', 'text').execute();
        await db.schema.alterTable('receipt_subscriptions').addColumn('expires_at', 'text').execute();
      },
    },
    '0013_declaration_kept_once': {
      async up(db: Kysely<any>) {
        // a declaration's XML is kept once: new declarations whose inbound message body is that XML
        // write '' in declarations.xml and are read through the inbound message. The cards it was
        // signed and typed with get columns of their own (receipt matching reads them, not the XML);
        // the declarations from before get them from their XML here
        await db.schema
          .alterTable('declarations')
          .addColumn('ic_code', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        await db.schema
          .alterTable('declarations')
          .addColumn('typist_no', 'text', (c) => c.notNull().defaultTo(''))
          .execute();
        const first = (xml: string, name: string) => new RegExp(`<${name}>\\s*([^<\\s]+)\\s*</${name}>`).exec(xml)?.[1] ?? '';
        for (let after = ''; ;) {
          // aliased: the store's Kysely turns result columns to camelCase
          const rows: { k: string; xml: string }[] = await db
            .selectFrom('declarations')
            .select(['seq_no as k', 'xml'])
            .where('seq_no', '>', after)
            .orderBy('seq_no')
            .limit(500)
            .execute();
          if (!rows.length) break;
          for (const r of rows) {
            const icCode = first(r.xml, 'ICCode');
            const typistNo = first(r.xml, 'TypistNo');
            if (icCode || typistNo)
              await db.updateTable('declarations').set({ ic_code: icCode, typist_no: typistNo }).where('seq_no', '=', r.k).execute();
          }
          after = rows[rows.length - 1].k;
        }
      },
    },
    '0014_user_management_region_change': {
      async up(db: Kysely<any>) {
        // 用户管理: an operator's role (the operators from before keep what they could do: admin) and
        // whether it may log in; FAQ 一.3: a client's 服务地区 changes by request and platform approval
        await db.schema
          .alterTable('operators')
          .addColumn('role', 'text', (c) => c.notNull().defaultTo('admin'))
          .execute();
        await db.schema
          .alterTable('operators')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
          .execute();
        await db.schema.createIndex('operators_enterprise').on('operators').column('enterprise_code').execute();
        await db.schema.createIndex('cards_holder').on('cards').column('holder_account').execute();
        await db.schema
          .createTable('client_region_changes')
          .$call(autoId)
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('from_region', 'text', (c) => c.notNull())
          .addColumn('to_region', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('card_no', 'text')
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('decision_note', 'text')
          .addColumn('decided_at', 'text')
          .execute();
        await db.schema.createIndex('client_region_changes_client').on('client_region_changes').columns(['client_id', 'status']).execute();
        await db.schema
          .createIndex('client_region_changes_status')
          .on('client_region_changes')
          .columns(['status', 'requested_at'])
          .execute();
      },
    },
    '0015_card_expiry': {
      async up(db: Kysely<any>) {
        // an IC card's expiry (有效期): the sandbox refuses a declaration signed with an expired card (FAQ 20).
        // NULL on the cards issued before: no recorded expiry, they stay valid
        await db.schema.alterTable('cards').addColumn('valid_until', 'text').execute();
      },
    },
    '0016_alerts': {
      async up(db: Kysely<any>) {
        // 告警: one row per occurrence of a condition; `open_key` (enterprise|kind|subject) is set while
        // the condition holds and unique, so an occurrence fires once even when instances race
        await db.schema
          .createTable('alerts')
          .$call(autoId)
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('open_key', 'text', (c) => c.unique())
          .addColumn('detail_json', 'text', (c) => c.notNull())
          .addColumn('fired_at', 'text', (c) => c.notNull())
          .addColumn('cleared_at', 'text')
          .addColumn('console', 'integer', (c) => c.notNull())
          .addColumn('read_at', 'text')
          .addColumn('deliveries_json', 'text', (c) => c.notNull().defaultTo('{}'))
          .execute();
        await db.schema.createIndex('alerts_console').on('alerts').columns(['enterprise_code', 'console', 'id']).execute();
        await db.schema
          .createTable('alert_settings')
          .addColumn('enterprise_code', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('channels_json', 'text', (c) => c.notNull())
          .addColumn('phones_json', 'text', (c) => c.notNull())
          .addColumn('emails_json', 'text', (c) => c.notNull())
          .addColumn('webhook_ids_json', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('alert_settings_pk', ['enterprise_code', 'kind'])
          .execute();
      },
    },
    '0017_tracing': {
      async up(db: Kysely<any>) {
        // the W3C trace context of the work that wrote a row, where the work goes on later from the row:
        // a sandbox job (run by the worker), a push (claimed by the push engine), a delivery (taken by
        // its client). NULL with tracing off, as on every row from before
        await db.schema.alterTable('sandbox_jobs').addColumn('traceparent', 'text').execute();
        await db.schema.alterTable('pushes').addColumn('traceparent', 'text').execute();
        await db.schema.alterTable('deliveries').addColumn('traceparent', 'text').execute();
      },
    },
    '0018_event_log_indexes': {
      async up(db: Kysely<any>) {
        // the event log finds the pushes one subscription caused; the delivery charts read the
        // enterprise's deliveries of the last hours (a push's message id is already unique)
        await db.schema
          .createIndex('pushes_subscription')
          .on('pushes')
          .columns(['subscription_kind', 'subscription_id', 'created_at'])
          .execute();
        await db.schema
          .createIndex('pushes_delivered')
          .on('pushes')
          .columns(['enterprise_code', 'delivered_at'])
          .where(sql.ref('delivered_at'), 'is not', null)
          .execute();
      },
    },
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly list: Record<string, Migration>) {}
  async getMigrations() {
    return this.list;
  }
}

/**
 * Brings the schema up to date; throws with every failed step named. `upTo` stops after the named
 * migration (tests that build an older database).
 */
export async function migrateToLatest(db: Kysely<any>, caps: EngineCapabilities, opts: { upTo?: string } = {}): Promise<void> {
  const run = async () => {
    const migrator = new Migrator({
      db,
      provider: new StaticProvider(migrations(caps)),
      migrationTableName: 'osw_migrations',
      migrationLockTableName: 'osw_migrations_lock',
    });
    const { error, results } = await (opts.upTo ? migrator.migrateTo(opts.upTo) : migrator.migrateToLatest());
    if (error) {
      const failed = results
        ?.filter((r) => r.status === 'Error')
        .map((r) => r.migrationName)
        .join(', ');
      throw new Error(`database migration failed${failed ? ` at ${failed}` : ''}: ${(error as Error).message ?? error}`, { cause: error });
    }
  };
  await (caps.withMigrationLock ? caps.withMigrationLock(db, run) : run());
}
