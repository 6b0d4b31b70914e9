/** The embedded store: one SQLite file (better-sqlite3, WAL) behind Kysely. */
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import { sqliteCapabilities } from '../kysely/capabilities.js';
import { migrateToLatest } from '../kysely/migrations.js';
import type { Database as Schema } from '../kysely/schema.js';
import { KyselyStore } from '../kysely/store.js';
import { SecretBox } from '../kysely/secret-box.js';

export interface OpenedStore {
  store: KyselyStore;
  db: Kysely<Schema>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** the platform's secret key (32 bytes): secrets kept at rest are sealed with it (`SecretBox`) */
  secretKey?: Buffer;
}

export async function openSqliteStore(file: string, opts: StoreOptions = {}): Promise<OpenedStore> {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] });
  await migrateToLatest(db, sqliteCapabilities);
  return { store: new KyselyStore(db, sqliteCapabilities, new SecretBox(opts.secretKey)), db, close: () => db.destroy() };
}
