/**
 * Customs sandbox for processing-trade manuals (加工贸易账册): change requests (add, modify or delete
 * 料件/成品 rows, change head fields) are approved by the sandbox after its delay, or at once by an
 * API call. Each approval bumps the manual's version (atomically: concurrent approvals get
 * consecutive versions), applies the change, and is a business event carrying the change and the
 * version, whose pushes to the incremental subscribers are written in the same transaction.
 */
import type { Actor } from '../audit/audit-log.js';
import { recordAudit } from '../audit/audit-log.js';
import { notFound, problem } from '../problem.js';
import type { PlatformDeps } from '../ports.js';
import { raiseManualChange } from '../push/matching.js';
import type { ManualChange, ManualChangeRow, ManualItemChange, ManualItemRow, ManualRow, Store } from '../store.js';

type Deps = Pick<PlatformDeps, 'store' | 'clock'>;

/** Head fields a change may set (the manual's own head keys). */
export const MANUAL_HEAD_FIELDS = ['tradeName', 'processingName', 'masterCustoms', 'manualType', 'validUntil'] as const;

function isParty(m: ManualRow, enterpriseCode: string): boolean {
  return [m.enterpriseCode, m.head.tradeCode, m.head.processingCode].includes(enterpriseCode);
}

export async function manualOf(store: Store, enterpriseCode: string, manualNo: string): Promise<ManualRow> {
  const m = await store.manuals.get(manualNo);
  if (!m || !isParty(m, enterpriseCode)) throw notFound('账册', 'manual', manualNo);
  return m;
}

function checkItem(c: ManualItemChange, items: ManualItemRow[], i: number): string[] {
  const at = `items[${i}]`;
  const exists = items.some((x) => x.kind === c.kind && x.serial === c.serial);
  const out: string[] = [];
  if (c.action === 'add') {
    if (c.serial !== undefined && exists) out.push(`${at}: 序号${c.serial}已存在 (serial ${c.serial} exists; use modify)`);
    if (!c.code || !/^\d{10}$/.test(c.code)) out.push(`${at}.code: 商品编码须为10位数字 (10 digits)`);
    if (!c.name) out.push(`${at}.name: 商品名称不能为空 (required)`);
  } else if (!exists) out.push(`${at}: ${c.kind === 'img' ? '料件' : '成品'}序号${c.serial}不存在 (no ${c.kind} row ${c.serial})`);
  if (c.action === 'modify' && c.code !== undefined && !/^\d{10}$/.test(c.code)) out.push(`${at}.code: 商品编码须为10位数字 (10 digits)`);
  return out;
}

/** A change request (变更申请): checked against the manual now, pending until approved. */
export async function requestManualChange(
  deps: Deps,
  actor: Actor,
  manualNo: string,
  change: ManualChange,
  opts: { autoApprove: boolean },
): Promise<ManualChangeRow> {
  const manual = await manualOf(deps.store, actor.enterpriseCode, manualNo);
  const items = await deps.store.manuals.listItems(manualNo);
  const problems: string[] = [];
  const head = change.head ?? {};
  for (const k of Object.keys(head))
    if (!(MANUAL_HEAD_FIELDS as readonly string[]).includes(k))
      problems.push(`head.${k}: 不可变更 (not a changeable head field; use ${MANUAL_HEAD_FIELDS.join(', ')})`);
  (change.items ?? []).forEach((c, i) => problems.push(...checkItem(c, items, i)));
  if (!Object.keys(head).length && !(change.items ?? []).length) problems.push('变更内容为空 (a change needs head fields or items)');
  if (problems.length)
    throw problem('OSW_VALIDATION', `账册变更申请有误：${problems.join('；')}`, `the change request is invalid: ${problems.join('; ')}`);
  const at = deps.clock.now().toISOString();
  const row: Omit<ManualChangeRow, 'id'> = {
    manualNo: manual.manualNo,
    enterpriseCode: actor.enterpriseCode,
    account: actor.account,
    change,
    autoApprove: opts.autoApprove,
    status: 'pending',
    version: null,
    requestedAt: at,
    decidedAt: null,
  };
  return deps.store.transaction(async (tx) => {
    const id = await tx.sandbox.insertManualChange(row);
    await recordAudit(tx, actor, at, {
      cardNo: null,
      action: 'sandbox.manual.change.request',
      entity: 'manual-change',
      entityId: String(id),
      before: null,
      after: { id, ...row },
    });
    return { id, ...row };
  });
}

/**
 * Approves a pending change inside the caller's transaction: the version goes up by one, the change
 * is applied and pushed. Returns null when the change was decided already (by another worker).
 */
export async function approveManualChangeIn(
  tx: Store,
  changeId: number,
  now: Date,
): Promise<{ version: number; pushes: number; change: ManualChangeRow } | null> {
  const ch = await tx.sandbox.getManualChange(changeId);
  if (!ch || ch.status !== 'pending') return null;
  const manual = await tx.manuals.get(ch.manualNo);
  if (!manual) return null;
  const version = await tx.manuals.bumpVersion(ch.manualNo);
  if (!(await tx.sandbox.approveManualChange(changeId, version, now.toISOString())))
    throw problem('OSW_SANDBOX_CHANGE_DECIDED', `变更申请[${changeId}]已审批`, `change request ${changeId} was decided already`);
  const head = { ...manual.head, ...(ch.change.head ?? {}) };
  if (ch.change.head && Object.keys(ch.change.head).length) await tx.manuals.updateHead(ch.manualNo, head);
  const items = await tx.manuals.listItems(ch.manualNo);
  const resolved: ManualItemChange[] = [];
  for (const c of ch.change.items ?? []) {
    const same = items.filter((x) => x.kind === c.kind);
    if (c.action === 'delete') {
      await tx.manuals.deleteItem(ch.manualNo, c.kind, c.serial);
      resolved.push(c);
      continue;
    }
    const before = same.find((x) => x.serial === c.serial);
    const serial = c.action === 'add' && (c.serial === undefined || before) ? Math.max(0, ...same.map((x) => x.serial)) + 1 : c.serial;
    const row: ManualItemRow = {
      manualNo: ch.manualNo,
      kind: c.kind,
      serial,
      code: c.code ?? before?.code ?? '',
      name: c.name ?? before?.name ?? '',
      model: c.model ?? before?.model ?? '',
      unit: c.unit ?? before?.unit ?? '007',
      quantity: c.quantity ?? before?.quantity ?? '0',
    };
    await tx.manuals.upsertItem(row);
    items.push(row);
    resolved.push({ ...c, serial });
  }
  const after = await tx.manuals.listItems(ch.manualNo);
  const pushes = await raiseManualChange(tx, { ...manual, head, version }, { head: ch.change.head, items: resolved }, version, after, now);
  return { version, pushes, change: { ...ch, status: 'approved', version, decidedAt: now.toISOString() } };
}

/** 审批 by an API call. */
export async function approveManualChange(deps: Deps, actor: Actor, changeId: number): Promise<ManualChangeRow> {
  const ch = await deps.store.sandbox.getManualChange(changeId);
  if (!ch) throw notFound('变更申请', 'change request', changeId);
  await manualOf(deps.store, actor.enterpriseCode, ch.manualNo);
  if (ch.status !== 'pending')
    throw problem('OSW_SANDBOX_CHANGE_DECIDED', `变更申请[${changeId}]已审批`, `change request ${changeId} was decided already`);
  const now = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const done = await approveManualChangeIn(tx, changeId, now);
    if (!done) throw problem('OSW_SANDBOX_CHANGE_DECIDED', `变更申请[${changeId}]已审批`, `change request ${changeId} was decided already`);
    await recordAudit(tx, actor, now.toISOString(), {
      cardNo: null,
      action: 'sandbox.manual.change.approve',
      entity: 'manual-change',
      entityId: String(changeId),
      before: ch,
      after: done.change,
    });
    return done.change;
  });
}
