/**
 * Engine differences in one place: the SQL types and features that differ between SQLite and
 * PostgreSQL. Nothing outside the store adapters asks which engine it runs on.
 */
import type { ColumnDataType, Expression, Kysely } from 'kysely';
import { sql } from 'kysely';

export interface EngineCapabilities {
  engine: 'sqlite' | 'postgres';
  /** column type for raw bytes */
  binaryType: ColumnDataType | Expression<unknown>;
  /** column type for auto-numbered primary keys */
  autoIdType: ColumnDataType | Expression<unknown>;
  /** whether the id column needs `autoIncrement()` */
  autoIdNeedsAutoIncrement: boolean;
  /**
   * Whether work is claimed with `SELECT … FOR UPDATE SKIP LOCKED`: several platform processes on one
   * database each take different rows. SQLite has one writer at a time, so its transactions already
   * serialise claims and it has no row locks.
   */
  forUpdateSkipLocked: boolean;
  /** how to hold a migration lock across instances, if the engine needs one */
  withMigrationLock?: <T>(db: Kysely<any>, fn: () => Promise<T>) => Promise<T>;
}

export const sqliteCapabilities: EngineCapabilities = {
  engine: 'sqlite',
  binaryType: 'blob',
  autoIdType: 'integer',
  autoIdNeedsAutoIncrement: true,
  forUpdateSkipLocked: false,
};

/** `pg_advisory_lock` key of the schema migrations: any fixed 64-bit number shared by every instance. */
export const MIGRATION_LOCK_KEY = 0x05_77_31_0e_c0_de;

export const postgresCapabilities: EngineCapabilities = {
  engine: 'postgres',
  binaryType: sql`bytea`,
  autoIdType: 'bigserial',
  autoIdNeedsAutoIncrement: false,
  forUpdateSkipLocked: true,
  /**
   * Two instances starting at once: the first takes a session advisory lock on one pooled
   * connection and migrates; the second waits for it, then finds nothing left to do. (Kysely's own
   * migration lock starts only after its bookkeeping tables exist, and creating those can race.)
   */
  async withMigrationLock(db, fn) {
    return db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
      try {
        return await fn();
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      }
    });
  },
};
