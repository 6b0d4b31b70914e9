/** Who does something through the API: the operator of a session, with the enterprise it acts for. */
import { OswError } from '@osw/messages';
import type { Actor } from '../audit/audit-log.js';
import type { SessionRow, Store } from '../store.js';

export async function actorOf(store: Store, session: SessionRow): Promise<Actor> {
  const op = await store.identity.getOperator(session.account);
  // a disabled operator's sessions are deleted when it is disabled; this holds should one outlive that
  if (!op || op.status === 'disabled') throw new OswError('OSW_AUTH_REQUIRED', 'session missing or expired: POST /api/v1/session');
  return { enterpriseCode: op.enterpriseCode, account: op.account, operatorCode: op.operatorCode, role: op.role };
}
