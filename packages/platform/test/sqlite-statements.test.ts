/** The SQLite store prepares each SQL text once and reuses the statement, except while it is busy. */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { reusingStatements } from '../src/adapters/sqlite/open.js';

describe('SQLite prepared statements', () => {
  test('a query run again reuses its prepared statement', () => {
    const db = reusingStatements(new Database(':memory:'));
    db.exec('create table t (n integer)');
    const insert = db.prepare('insert into t (n) values (?)');
    expect(db.prepare('insert into t (n) values (?)')).toBe(insert);
    insert.run(1);
    db.prepare('insert into t (n) values (?)').run(2);
    expect(db.prepare('select sum(n) as s from t').get()).toEqual({ s: 3 });
    db.close();
  });

  test('a statement busy in an iteration is not handed out again: the same query gets a fresh statement meanwhile', () => {
    const db = reusingStatements(new Database(':memory:'));
    db.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const sql = 'select n from t order by n';
    const seen: number[] = [];
    for (const row of db.prepare(sql).iterate() as Iterable<{ n: number }>) {
      seen.push(row.n, (db.prepare(sql).all() as { n: number }[]).length);
    }
    expect(seen).toEqual([1, 3, 2, 3, 3, 3]);
    db.close();
  });
});
