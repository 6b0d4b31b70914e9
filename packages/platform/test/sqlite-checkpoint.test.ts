/** The embedded store's write-ahead log is copied into the database file by a thread of its own, not inside commits. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { openSqliteStore } from '../src/adapters/sqlite/open.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SQLite checkpoints', () => {
  test('what commits write reaches the database file without a commit checkpointing, and closing stops the checkpointer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-checkpoint-'));
    dirs.push(dir);
    const file = path.join(dir, 'platform.db');
    const opened = await openSqliteStore(file);
    // far below the size at which a commit would checkpoint itself (16,000 pages)
    const pages = Object.values((await sql`pragma wal_autocheckpoint`.execute(opened.db)).rows[0] as object)[0];
    expect(pages).toBeGreaterThan(10_000);
    const before = statSync(file).size;
    await sql`create table filler (b blob)`.execute(opened.db);
    for (let i = 0; i < 20; i++) await sql`insert into filler (b) values (zeroblob(100000))`.execute(opened.db);
    // 2 MB committed; the checkpointer copies it into the file within a few of its rounds
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 2_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThanOrEqual(before + 2_000_000);
    await opened.close();
  });
});
