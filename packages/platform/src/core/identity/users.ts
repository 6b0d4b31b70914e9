/**
 * 用户管理 (user management): an enterprise's administrator (role `admin`) creates the enterprise's
 * operators, binds its 操作员卡 to them, resets their passwords, changes their role (admin ↔ operator)
 * and disables or enables them. Each
 * change needs the enterprise's 法人卡, as on the Single Window, and is audited. Another enterprise's
 * operator is "not found"; a caller who is not an administrator gets OSW_ADMIN_REQUIRED.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { ListQuery } from '../paging.js';
import type { Clock } from '../ports.js';
import type { CardRow, OperatorRow, Store } from '../store.js';
import { notFound, problem } from '../problem.js';
import { verifyCardProof, type CardProof } from './cards.js';
import { hashSecret, randomToken } from './secrets.js';

type Deps = { store: Store; clock: Clock };

/** An operator as 用户管理 shows it (never the password's hash), with the cards it holds. */
export interface OperatorView {
  account: string;
  name: string;
  operatorCode: string;
  role: OperatorRow['role'];
  status: OperatorRow['status'];
  cards: { cardNo: string; kind: CardRow['kind'] }[];
  createdAt: string;
}

export interface NewOperator {
  account: string;
  name: string;
  /** 录入人 code */
  operatorCode: string;
  role: 'admin' | 'operator';
  /** absent: the platform makes one, answered once */
  password?: string;
  card: CardProof;
}

/** Refuses anyone but an administrator of the enterprise. */
export function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin')
    throw problem('OSW_ADMIN_REQUIRED', '用户管理需要本企业管理员权限', "user management is for your enterprise's administrators only");
}

/** One operator of the actor's enterprise; another enterprise's is "not found". */
async function operatorOf(store: Store, enterpriseCode: string, account: string): Promise<OperatorRow> {
  const op = await store.identity.getOperator(account);
  if (!op || op.enterpriseCode !== enterpriseCode) throw notFound('操作员', 'operator', account);
  return op;
}

function view(op: OperatorRow, cards: readonly CardRow[]): OperatorView {
  return {
    account: op.account,
    name: op.name,
    operatorCode: op.operatorCode,
    role: op.role,
    status: op.status,
    cards: cards.filter((c) => c.holderAccount === op.account).map((c) => ({ cardNo: c.cardNo, kind: c.kind })),
    createdAt: op.createdAt,
  };
}

async function viewOf(store: Store, account: string): Promise<OperatorView> {
  const op = (await store.identity.getOperator(account))!;
  return view(op, await store.identity.cardsHeldBy([account]));
}

/** One audited change to an operator, inside the caller's transaction: its view before and after, and the 法人卡 that allowed it. */
async function auditedChange(
  tx: Store,
  actor: Actor,
  change: { at: string; cardNo: string; account: string; action: string },
  apply: () => Promise<void>,
): Promise<OperatorView> {
  const before = await viewOf(tx, change.account);
  await apply();
  const after = await viewOf(tx, change.account);
  await recordAudit(tx, actor, change.at, {
    cardNo: change.cardNo,
    action: change.action,
    entity: 'operator',
    entityId: change.account,
    before,
    after,
  });
  return after;
}

function checkPassword(password: string): void {
  if (password.length < 8) throw problem('OSW_PASSWORD_WEAK', '密码至少8位', 'a password needs at least 8 characters');
}

/** A password the platform makes: shown once, 16 URL-safe characters. */
function newPassword(): string {
  return randomToken(12);
}

export async function listOperators(store: Store, actor: Actor, q: ListQuery): Promise<{ rows: OperatorView[]; total: number }> {
  requireAdmin(actor);
  const r = await store.identity.listOperators(actor.enterpriseCode, q);
  const cards = await store.identity.cardsHeldBy(r.rows.map((o) => o.account));
  return { rows: r.rows.map((o) => view(o, cards)), total: r.total };
}

export async function getOperatorView(store: Store, actor: Actor, account: string): Promise<OperatorView> {
  requireAdmin(actor);
  await operatorOf(store, actor.enterpriseCode, account);
  return viewOf(store, account);
}

/** Creates an operator of the administrator's enterprise; the password is answered once when the platform made it. */
export async function createEnterpriseOperator(
  deps: Deps,
  actor: Actor,
  o: NewOperator,
): Promise<{ operator: OperatorView; password: string | null }> {
  requireAdmin(actor);
  if (o.password !== undefined) checkPassword(o.password);
  const card = await verifyCardProof(deps, actor.enterpriseCode, o.card, ['legal']);
  if (await deps.store.identity.getOperator(o.account))
    throw problem('OSW_OPERATOR_EXISTS', `账号[${o.account}]已存在`, `account ${o.account} exists already`);
  const password = o.password ?? newPassword();
  const passwordHash = await hashSecret(password);
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    await tx.identity.insertOperator({
      account: o.account,
      enterpriseCode: actor.enterpriseCode,
      name: o.name,
      operatorCode: o.operatorCode,
      passwordHash,
      failedLogins: 0,
      lockedUntil: null,
      createdAt: at,
      role: o.role,
      status: 'active',
    });
    const operator = await viewOf(tx, o.account);
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: 'operator.create',
      entity: 'operator',
      entityId: o.account,
      before: null,
      after: operator,
    });
    return { operator, password: o.password === undefined ? password : null };
  });
}

/** 重置密码: a password the administrator sets, or one the platform makes (answered once). The operator's sessions end. */
export async function resetOperatorPassword(
  deps: Deps,
  actor: Actor,
  account: string,
  r: { password?: string; card: CardProof },
): Promise<{ operator: OperatorView; password: string | null }> {
  requireAdmin(actor);
  const before = await operatorOf(deps.store, actor.enterpriseCode, account);
  if (r.password !== undefined) checkPassword(r.password);
  const card = await verifyCardProof(deps, actor.enterpriseCode, r.card, ['legal']);
  const password = r.password ?? newPassword();
  const passwordHash = await hashSecret(password);
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    await tx.identity.updateOperator(before.account, { passwordHash });
    await tx.identity.deleteSessionsOf(before.account);
    const operator = await viewOf(tx, account);
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: 'operator.reset-password',
      entity: 'operator',
      entityId: account,
      // what changed is the password: the log says so, and by whom it was chosen, never what it is
      before: { account, password: '******' },
      after: { account, password: r.password === undefined ? 'generated' : 'set by the administrator' },
    });
    return { operator, password: r.password === undefined ? password : null };
  });
}

/** 停用 / 启用: a disabled operator cannot log in and its sessions end at once. */
export async function setOperatorStatus(
  deps: Deps,
  actor: Actor,
  account: string,
  status: 'active' | 'disabled',
  proof: CardProof,
): Promise<OperatorView> {
  requireAdmin(actor);
  const op = await operatorOf(deps.store, actor.enterpriseCode, account);
  if (status === 'disabled' && account === actor.account)
    throw problem('OSW_OPERATOR_SELF', '不能停用自己的账号', 'you cannot disable your own account');
  const card = await verifyCardProof(deps, actor.enterpriseCode, proof, ['legal']);
  if (op.status === status) return viewOf(deps.store, account);
  const at = deps.clock.now().toISOString();
  const action = status === 'disabled' ? 'operator.disable' : 'operator.enable';
  return deps.store.transaction((tx) =>
    auditedChange(tx, actor, { at, cardNo: card.cardNo, account, action }, async () => {
      await tx.identity.updateOperator(account, { status });
      if (status === 'disabled') await tx.identity.deleteSessionsOf(account);
    }),
  );
}

/**
 * 变更角色: an operator becomes an administrator or an administrator an operator. The change holds from
 * the operator's next request (the role is read with each one); sessions go on. An administrator may
 * make themself an operator only while another active administrator remains (OSW_OPERATOR_LAST_ADMIN).
 */
export async function setOperatorRole(
  deps: Deps,
  actor: Actor,
  account: string,
  role: 'admin' | 'operator',
  proof: CardProof,
): Promise<OperatorView> {
  requireAdmin(actor);
  const op = await operatorOf(deps.store, actor.enterpriseCode, account);
  const lastAdmin = () =>
    problem(
      'OSW_OPERATOR_LAST_ADMIN',
      '您是本企业唯一的管理员，不能将自己改为操作员',
      "you are your enterprise's only administrator: you cannot make yourself an operator",
    );
  const demotesLast = async (store: Store) =>
    op.role === 'admin' &&
    role !== 'admin' &&
    account === actor.account &&
    (await store.identity.countActiveAdmins(actor.enterpriseCode)) <= 1;
  if (await demotesLast(deps.store)) throw lastAdmin();
  const card = await verifyCardProof(deps, actor.enterpriseCode, proof, ['legal']);
  if (op.role === role) return viewOf(deps.store, account);
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    // counted again where the change is made, should another administrator have gone meanwhile
    if (await demotesLast(tx)) throw lastAdmin();
    return auditedChange(tx, actor, { at, cardNo: card.cardNo, account, action: 'operator.change-role' }, () =>
      tx.identity.updateOperator(account, { role }),
    );
  });
}

/**
 * 绑定IC卡: one of the enterprise's 操作员卡 goes to the operator (its 录入人 then signs with it); a card
 * another operator holds is refused until it is unbound. `bind: false` unbinds.
 */
export async function bindOperatorCard(
  deps: Deps,
  actor: Actor,
  account: string,
  cardNo: string,
  bind: boolean,
  proof: CardProof,
): Promise<OperatorView> {
  requireAdmin(actor);
  await operatorOf(deps.store, actor.enterpriseCode, account);
  const target = await deps.store.identity.getCard(cardNo);
  if (!target || target.enterpriseCode !== actor.enterpriseCode)
    throw problem('OSW_CARD_INVALID', `卡[${cardNo}]不是本企业的卡`, `card ${cardNo} is not a card of your enterprise`);
  if (bind && target.kind !== 'operator')
    throw problem(
      'OSW_CARD_KIND',
      `只能绑定操作员卡，卡[${cardNo}]是法人卡`,
      `only an operator card can be bound; card ${cardNo} is a legal-person card`,
    );
  if (bind && target.holderAccount && target.holderAccount !== account)
    throw problem(
      'OSW_CARD_BOUND',
      `卡[${cardNo}]已绑定操作员[${target.holderAccount}]，请先解除绑定`,
      `card ${cardNo} is bound to ${target.holderAccount}; unbind it first`,
    );
  if (!bind && target.holderAccount !== account) throw notFound('绑定的卡', 'bound card', cardNo);
  const card = await verifyCardProof(deps, actor.enterpriseCode, proof, ['legal']);
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    if (bind === (target.holderAccount === account)) return viewOf(tx, account);
    const action = bind ? 'operator.bind-card' : 'operator.unbind-card';
    return auditedChange(tx, actor, { at, cardNo: card.cardNo, account, action }, () =>
      tx.identity.setCardHolder(cardNo, bind ? account : null),
    );
  });
}
