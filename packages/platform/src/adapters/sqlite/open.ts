/** The embedded store: one SQLite file (better-sqlite3, WAL) behind Kysely. */
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import { sqliteCapabilities } from '../kysely/capabilities.js';
import { migrateToLatest } from '../kysely/migrations.js';
import type { Database as Schema } from '../kysely/schema.js';
import { KyselyStore } from '../kysely/store.js';
import { SecretBox } from '../kysely/secret-box.js';

const require = createRequire(import.meta.url);

export interface OpenedStore {
  store: KyselyStore;
  db: Kysely<Schema>;
  close(): Promise<void>;
  /** the connection pool's state, on engines with a pool */
  pool?: () => { size: number; idle: number; waiting: number };
}

/**
 * Creates a new database file 0600 before SQLite opens it: the file holds password, PIN and secret
 * verifiers, card public keys and every message. SQLite gives its -wal and -shm files the mode of
 * the database file, so they are 0600 too. An existing file keeps the mode its owner gave it.
 */
function createPrivately(file: string): void {
  if (file === ':memory:' || file === '' || file.startsWith('file:')) return;
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export interface StoreOptions {
  /** the platform's secret key (32 bytes): secrets kept at rest are sealed with it (`SecretBox`) */
  secretKey?: Buffer;
}

/** Prepared statements kept per SQL text (the most recently prepared ones). */
const STATEMENT_CACHE_MAX = 1000;

/**
 * The database as Kysely's driver sees it, with `prepare` answered from a cache: the driver
 * prepares every query it runs, and preparing costs more than running most of ours. A statement
 * busy in an iteration is not handed out twice: a fresh one is prepared for that call.
 */
export function reusingStatements(sqlite: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    const known = cache.get(source);
    if (known && !known.busy) return known;
    const stmt = sqlite.prepare(source);
    if (known) return stmt;
    if (cache.size >= STATEMENT_CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(source, stmt);
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** How often the checkpointer copies the write-ahead log into the database file. */
const CHECKPOINT_EVERY_MS = 100;
/** The log size (pages) at which a commit checkpoints itself, should the checkpointer fall behind. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 16_000;

/**
 * Checkpoints on a thread of its own: copying the write-ahead log into the database file and
 * syncing both (the only fsyncs of `synchronous = NORMAL`) would otherwise happen inside whichever
 * commit crossed the log's threshold, on the event loop. A passive checkpoint waits for no one; a
 * commit still checkpoints itself if the log outgrows FALLBACK_AUTOCHECKPOINT_PAGES.
 */
function startCheckpointer(file: string): { stop(): Promise<void> } {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file);
    db.pragma('busy_timeout = 5000');
    const timer = setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    }, workerData.everyMs);
    parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
    `,
    { eval: true, workerData: { file, everyMs: CHECKPOINT_EVERY_MS, driver: require.resolve('better-sqlite3') } },
  );
  worker.unref();
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  let stopping: Promise<void> | null = null;
  return {
    // idempotent: a store closed twice, or a checkpointer that has died, stops at once
    stop: () => {
      if (exited) return Promise.resolve();
      stopping ??= (async () => {
        worker.postMessage('stop');
        const timer = setTimeout(() => void worker.terminate(), 2000);
        await exit;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export async function openSqliteStore(file: string, opts: StoreOptions = {}): Promise<OpenedStore> {
  createPrivately(file);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }), plugins: [new CamelCasePlugin()] });
  await migrateToLatest(db, sqliteCapabilities);
  const onDisk = file !== ':memory:' && file !== '' && !file.includes('mode=memory');
  const checkpointer = onDisk ? startCheckpointer(file) : null;
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  return {
    store: new KyselyStore(db, sqliteCapabilities, new SecretBox(opts.secretKey)),
    db,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
