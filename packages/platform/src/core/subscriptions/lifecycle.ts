/**
 * Cancel (取消订阅) and extend (延期) of a subscription with a validity: allowed only while it is
 * active, proved with an enterprise card, written with its audit record in one transaction.
 * The declaration-data and the incremental manual subscriptions share these rules.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { verifyCardProof, type CardProof } from '../identity/cards.js';
import type { Clock } from '../ports.js';
import type { CardKind, Store } from '../store.js';
import { assertActive, checkExtension } from './validity.js';

type Deps = { store: Store; clock: Clock };

/** The validity fields every such subscription row carries. */
export interface WithValidity {
  validUntil: string;
  expiresAt: string;
  cancelledAt: string | null;
  updatedAt: string;
}

/** What differs between the subscription services. */
export interface ValiditySubject {
  /** names in errors: 报关单数据订阅 / declaration subscription */
  zh: string;
  en: string;
  /** audit entity and action prefix: `declaration-subscription`, `subscription.declaration` */
  entity: string;
  action: string;
  /** the cards that may prove the change */
  cards: readonly CardKind[];
  update(tx: Store, id: number, change: WithValidity): Promise<void>;
}

async function change<R extends WithValidity>(
  deps: Deps,
  actor: Actor,
  id: number,
  before: R,
  proof: CardProof,
  subject: ValiditySubject,
  what: 'cancel' | 'extend',
  next: (at: string) => Pick<WithValidity, 'validUntil' | 'expiresAt' | 'cancelledAt'>,
): Promise<R> {
  const now = deps.clock.now();
  assertActive(subject.zh, subject.en, id, before, now);
  const at = now.toISOString();
  const patch = next(at);
  const card = await verifyCardProof(deps, actor.enterpriseCode, proof, subject.cards);
  const after: R = { ...before, ...patch, updatedAt: at };
  await deps.store.transaction(async (tx) => {
    await subject.update(tx, id, { ...patch, updatedAt: at });
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: `${subject.action}.${what}`,
      entity: subject.entity,
      entityId: String(id),
      before,
      after,
    });
  });
  return after;
}

export function cancelWithValidity<R extends WithValidity>(
  deps: Deps,
  actor: Actor,
  id: number,
  before: R,
  proof: CardProof,
  subject: ValiditySubject,
): Promise<R> {
  return change(deps, actor, id, before, proof, subject, 'cancel', (at) => ({
    validUntil: before.validUntil,
    expiresAt: before.expiresAt,
    cancelledAt: at,
  }));
}

/**
 * Extends to a day later than the current validity and at most one year from today (the manual:
 * "延期至今天起一年内的任意日期"; an earlier day would shorten it, which is a cancel's job).
 */
export function extendWithValidity<R extends WithValidity>(
  deps: Deps,
  actor: Actor,
  id: number,
  before: R,
  validUntil: string,
  proof: CardProof,
  subject: ValiditySubject,
): Promise<R> {
  return change(deps, actor, id, before, proof, subject, 'extend', (at) => ({
    ...checkExtension(validUntil, before.validUntil, new Date(at)),
    cancelledAt: null,
  }));
}
