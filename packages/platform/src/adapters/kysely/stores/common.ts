/** What the Kysely slice stores share: the connection or transaction they run on, pages, JSON columns. */
import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { ListQuery, Paged } from '../../../core/paging.js';
import type { EngineCapabilities } from '../capabilities.js';
import type { Database } from '../schema.js';

/** The database or the transaction a slice runs on. */
export type Db = Kysely<Database> | Transaction<Database>;

/** What every slice store is built from. */
export interface SliceContext {
  db: Db;
  /** engine differences: claims with FOR UPDATE SKIP LOCKED on PostgreSQL */
  caps: EngineCapabilities;
  /** says "pushes became due" once what was written is committed */
  pushesDue?: CommitSignal;
}

/** a listener that throws does not undo a commit nor keep the others from hearing it */
function emit(listeners: Iterable<() => void>): void {
  for (const l of listeners)
    try {
      l();
    } catch {
      // the wake is a hint: the safety tick catches what it misses
    }
}

/**
 * A signal raised after a commit: outside a transaction at once, inside one when it commits (a
 * transaction that rolls back raises nothing). Listeners run after the commit, never inside it.
 */
export class CommitSignal {
  private readonly listeners: Set<() => void>;
  private raisedInTx = false;

  constructor(
    private readonly inTx = false,
    listeners?: Set<() => void>,
  ) {
    this.listeners = listeners ?? new Set();
  }

  /** what was written will be committed (or is, outside a transaction) */
  raise(): void {
    if (this.inTx) this.raisedInTx = true;
    else emit(this.listeners);
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** the signal of one transaction; `committed()` raises it on the outer one if anything was written */
  forTransaction(): CommitSignal & { committed(): void } {
    const tx = new CommitSignal(true, this.listeners) as CommitSignal & { committed(): void };
    tx.committed = () => {
      if (tx.raisedInTx) emit(this.listeners);
    };
    return tx;
  }
}

/** Runs fn in the transaction the slice runs on, or in a new one. */
export function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/** A created-at (or other instant column) range of a list query, as conditions. */
export function createdRange<QB extends SelectQueryBuilder<Database, keyof Database, object>>(
  qb: QB,
  q: Pick<ListQuery, 'createdFrom' | 'createdBefore'>,
  column: string,
): QB {
  let r: SelectQueryBuilder<Database, keyof Database, object> = qb;
  if (q.createdFrom) r = r.where(sql.ref<string>(column), '>=', q.createdFrom);
  if (q.createdBefore) r = r.where(sql.ref<string>(column), '<', q.createdBefore);
  return r as QB;
}

/**
 * One page of a filtered list (newest first, as `rows` orders it) and the total matching the filters:
 * the same filtered query counted, then paged.
 */
export async function paged<QB extends SelectQueryBuilder<Database, keyof Database, object>, Row, R>(
  base: QB,
  q: ListQuery,
  rows: (qb: QB) => SelectQueryBuilder<Database, keyof Database, Row>,
  map: (row: Row) => R,
): Promise<Paged<R>> {
  const count = await (base as SelectQueryBuilder<Database, keyof Database, object>)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const page = await rows(base).limit(q.limit).offset(q.offset).execute();
  return { rows: page.map(map), total: Number(count.n) };
}

/** JSON text of a column, or null. */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Rows of an insert, in chunks that stay below the engines' bound-parameter limits. */
export function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Claims one not-yet-done row for the slice's transaction: on engines with row locks it is locked
 * (`FOR UPDATE SKIP LOCKED`), so another instance claiming the same row at the same moment skips it
 * at once instead of waiting and doing the work twice. SQLite serialises writers, so there the
 * claim is the conditional update that follows.
 */
export async function claimRow(ctx: SliceContext, table: 'sandboxJobs' | 'pushRequests', id: number): Promise<boolean> {
  if (!ctx.caps.forUpdateSkipLocked) return true;
  const r = await ctx.db
    .selectFrom(table)
    .select('id')
    .where('id', '=', id)
    .where('doneAt', 'is', null)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return r !== undefined;
}
