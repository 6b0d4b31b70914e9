/** The audit log (操作日志) on Kysely. */
import type { AuditQuery, AuditRow, AuditStore } from '../../../core/audit/store.js';
import { createdRange, jsonOrNull, paged, type Db } from './common.js';

export class KyselyAuditStore implements AuditStore {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<AuditRow, 'id'>): Promise<number> {
    const { before, after, ...rest } = row;
    const r = await this.db
      .insertInto('auditLog')
      .values({ ...rest, beforeJson: jsonOrNull(before), afterJson: jsonOrNull(after) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }
  list(enterpriseCode: string, q: AuditQuery) {
    const base = this.db
      .selectFrom('auditLog')
      .where('enterpriseCode', '=', enterpriseCode)
      .$if(!!q.entity, (qb) => qb.where('entity', '=', q.entity!))
      .$if(!!q.entityId, (qb) => qb.where('entityId', '=', q.entityId!))
      .$if(!!q.action, (qb) => qb.where('action', '=', q.action!));
    return paged(
      createdRange(base, q, 'at'),
      q,
      (qb) => qb.selectAll().orderBy('at', 'desc').orderBy('id', 'desc'),
      (r): AuditRow => {
        const { beforeJson, afterJson, ...rest } = r;
        return {
          ...rest,
          id: Number(r.id),
          before: beforeJson ? JSON.parse(beforeJson) : null,
          after: afterJson ? JSON.parse(afterJson) : null,
        };
      },
    );
  }
}
