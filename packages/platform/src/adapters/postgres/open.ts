/**
 * The store at scale: PostgreSQL behind the same Kysely store and migrations as SQLite. Several
 * platform processes may share one database: migrations take an advisory lock, workers claim rows
 * with `FOR UPDATE SKIP LOCKED` (see `../kysely/capabilities.ts`).
 */
import { hidePassword } from '@osw/messages';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { postgresCapabilities } from '../kysely/capabilities.js';
import { migrateToLatest } from '../kysely/migrations.js';
import type { Database as Schema } from '../kysely/schema.js';
import { KyselyStore } from '../kysely/store.js';
import type { OpenedStore, StoreOptions } from '../sqlite/open.js';
import { SecretBox } from '../kysely/secret-box.js';

export interface PostgresStoreOptions extends StoreOptions {
  /** connections in this process's pool (the migration lock holds one while migrating) */
  poolSize?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL without its password, for logs. */
export function redactPostgresUrl(url: string): string {
  return hidePassword(url);
}

export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<OpenedStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: Math.max(2, opts.poolSize ?? 10),
  });
  // an idle connection the server dropped must not crash the process; the pool replaces it
  pool.on('error', () => undefined);
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  try {
    await migrateToLatest(db, postgresCapabilities);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
  return {
    store: new KyselyStore(db, postgresCapabilities, new SecretBox(opts.secretKey)),
    db,
    close: () => db.destroy(),
    pool: () => ({ size: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}
