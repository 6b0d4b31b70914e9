/**
 * Every store test on every engine: SQLite always, PostgreSQL when `OSW_TEST_PG_URL` is set (always
 * in CI). Each PostgreSQL store gets a database of its own, dropped when the test closes it.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterEach } from 'vitest';
import { openPostgresStore } from '../../packages/platform/src/adapters/postgres/open.js';
import { openSqliteStore, type OpenedStore } from '../../packages/platform/src/adapters/sqlite/open.js';

export const PG_URL = process.env.OSW_TEST_PG_URL ?? '';
export const AMQP_URL = process.env.OSW_TEST_AMQP_URL ?? '';

export interface TestDatabase {
  /** the URL (PostgreSQL) or the file (SQLite) a platform is configured with */
  location: string;
  /** opens one more store on the same database (a second platform process) */
  open(): Promise<OpenedStore>;
  /** drops the database (PostgreSQL) or removes the file */
  drop(): Promise<void>;
}

export interface Engine {
  name: 'sqlite' | 'postgres';
  /** a new, empty database of this engine */
  create(): Promise<TestDatabase>;
}

/**
 * The databases and stores a describe block makes on one engine, each closed and dropped after its
 * test: `create()` a database, `open(db)` one more store on it (a second platform instance).
 */
export function scratchDatabases(engine: Engine): { create(): Promise<TestDatabase>; open(db: TestDatabase): Promise<OpenedStore> } {
  const opened: OpenedStore[] = [];
  const dbs: TestDatabase[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    for (const d of dbs.splice(0)) await d.drop();
  });
  return {
    async create() {
      const db = await engine.create();
      dbs.push(db);
      return db;
    },
    async open(db) {
      const s = await db.open();
      opened.push(s);
      return s;
    },
  };
}

const admin = (url: string) => {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
};

/** A database of its own on the test PostgreSQL server. */
export async function createPostgresDatabase(baseUrl = PG_URL): Promise<TestDatabase> {
  if (!baseUrl) throw new Error('OSW_TEST_PG_URL is not set');
  const name = `osw_t_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin(baseUrl) });
  await c.connect();
  try {
    await c.query(`create database ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  const location = u.toString();
  return {
    location,
    open: () => openPostgresStore(location),
    async drop() {
      const d = new pg.Client({ connectionString: admin(baseUrl) });
      await d.connect();
      try {
        await d.query(`drop database if exists ${name} with (force)`);
      } finally {
        await d.end();
      }
    },
  };
}

export function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-engine-'));
  const location = path.join(dir, 'platform.db');
  return { location, open: () => openSqliteStore(location), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** SQLite always; PostgreSQL when OSW_TEST_PG_URL is set. */
export function eachEngine(): Engine[] {
  const engines: Engine[] = [{ name: 'sqlite', create: async () => createSqliteDatabase() }];
  if (PG_URL) engines.push({ name: 'postgres', create: () => createPostgresDatabase() });
  return engines;
}

// ---- RabbitMQ ----

/** The management API of the test broker (same host and user as OSW_TEST_AMQP_URL, port 15672). */
export function managementUrl(amqpUrl = AMQP_URL): string {
  const u = new URL(amqpUrl);
  return `http://${u.username || 'guest'}:${u.password || 'guest'}@${u.hostname}:15672`;
}

/** A fresh vhost name and the platform's exchange URL on it; `drop()` deletes the vhost and the given users. */
export function testVhost(amqpUrl = AMQP_URL): { vhost: string; url: string; drop(users?: string[]): Promise<void> } {
  // without a broker the suites using this are skipped; collecting them must not fail
  if (!amqpUrl) return { vhost: '', url: '', drop: async () => undefined };
  const vhost = `osw_t_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const u = new URL(amqpUrl);
  u.pathname = `/${vhost}`;
  const mgmt = managementUrl(amqpUrl);
  const auth = (url: string) => {
    const m = new URL(url);
    return {
      base: `${m.protocol}//${m.host}`,
      header: 'Basic ' + Buffer.from(`${decodeURIComponent(m.username)}:${decodeURIComponent(m.password)}`).toString('base64'),
    };
  };
  return {
    vhost,
    url: u.toString(),
    async drop(users = []) {
      const a = auth(mgmt);
      for (const user of users)
        await fetch(`${a.base}/api/users/${encodeURIComponent(user)}`, { method: 'DELETE', headers: { authorization: a.header } });
      await fetch(`${a.base}/api/vhosts/${encodeURIComponent(vhost)}`, { method: 'DELETE', headers: { authorization: a.header } });
    },
  };
}

/** A random 关区 for test clients: broker users are global, so concurrent test files must not share client ids. */
export function randomRegion(): string {
  for (;;) {
    const region = String(1000 + crypto.randomInt(9000));
    if (region !== '5300') return region; // the demo's clients (DXPESW5300…), also run on the test broker
  }
}
