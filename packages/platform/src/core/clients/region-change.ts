/**
 * 服务地区变更 (FAQ 一.3): an enterprise asks to move one of its import clients to another 关区 (with
 * its 法人卡); an operator of the platform (role `platform`) approves or rejects the request. The
 * client keeps its id — the 关区 digits in the id stay those it was issued under — and its history:
 * subscriptions, pushes and audit entries stay with the id. Request and decision are audited in the
 * enterprise's log under the client.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { verifyCardProof, type CardProof } from '../identity/cards.js';
import type { Clock } from '../ports.js';
import { notFound, problem } from '../problem.js';
import type { ListQuery, Paged, RegionChangeRow, RegionChangeStatus, Store } from '../store.js';
import { clientOf } from './registry.js';

type Deps = { store: Store; clock: Clock };

export function requirePlatformOperator(actor: Actor): void {
  if (actor.role !== 'platform')
    throw problem(
      'OSW_PLATFORM_OPERATOR_REQUIRED',
      '服务地区变更由平台运维人员审批',
      'a 服务地区 change is approved or rejected by an operator of the platform',
    );
}

function decided(id: number) {
  return problem('OSW_REGION_CHANGE_DECIDED', `服务地区变更申请[${id}]已审批`, `region change request ${id} was decided already`);
}

/** 申请变更服务地区: one pending request per client. */
export async function requestRegionChange(
  deps: Deps,
  actor: Actor,
  clientId: string,
  r: { region: string; reason: string; card: CardProof },
): Promise<RegionChangeRow> {
  const client = await clientOf(deps.store, actor.enterpriseCode, clientId);
  if (client.status === 'disabled') throw problem('OSW_CLIENT_DISABLED', `客户端[${clientId}]已停用`, `client ${clientId} is disabled`);
  if (client.region === r.region)
    throw problem(
      'OSW_REGION_CHANGE_SAME',
      `客户端[${clientId}]的服务地区已是${r.region}`,
      `client ${clientId} is in region ${r.region} already`,
    );
  const card = await verifyCardProof(deps, actor.enterpriseCode, r.card, ['legal']);
  const at = deps.clock.now().toISOString();
  return deps.store.transaction(async (tx) => {
    const open = await tx.clients.listRegionChanges({ clientId, status: 'pending', offset: 0, limit: 1 });
    if (open.total > 0)
      throw problem(
        'OSW_REGION_CHANGE_PENDING',
        `客户端[${clientId}]已有待审批的服务地区变更申请[${open.rows[0].id}]`,
        `client ${clientId} has region change request ${open.rows[0].id} waiting already`,
      );
    const row: Omit<RegionChangeRow, 'id'> = {
      clientId,
      enterpriseCode: actor.enterpriseCode,
      fromRegion: client.region,
      toRegion: r.region,
      reason: r.reason,
      status: 'pending',
      requestedBy: actor.account,
      cardNo: card.cardNo,
      requestedAt: at,
      decidedBy: null,
      decisionNote: null,
      decidedAt: null,
    };
    const id = await tx.clients.insertRegionChange(row);
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: 'client.region-change.request',
      entity: 'client',
      entityId: clientId,
      before: { region: client.region },
      after: { requestId: id, region: r.region, reason: r.reason, status: 'pending' },
    });
    return { ...row, id };
  });
}

/**
 * The requests an operator sees: a platform operator every enterprise's, anyone else its own
 * enterprise's. `clientId` narrows to one client (of the caller's enterprise for the others).
 */
export function listRegionChanges(
  store: Store,
  actor: Actor,
  q: ListQuery & { clientId?: string; status?: RegionChangeStatus },
): Promise<Paged<RegionChangeRow>> {
  return store.clients.listRegionChanges({ ...q, enterpriseCode: actor.role === 'platform' ? undefined : actor.enterpriseCode });
}

/** 审批: approve moves the client to the new region; reject leaves it. Platform operators only. */
export async function decideRegionChange(
  deps: Deps,
  actor: Actor,
  id: number,
  d: { approve: boolean; note?: string },
): Promise<RegionChangeRow> {
  requirePlatformOperator(actor);
  const req = await deps.store.clients.getRegionChange(id);
  if (!req) throw notFound('服务地区变更申请', 'region change request', id);
  if (req.status !== 'pending') throw decided(id);
  const at = deps.clock.now().toISOString();
  const status = d.approve ? 'approved' : 'rejected';
  return deps.store.transaction(async (tx) => {
    const done = await tx.clients.decideRegionChange(id, { status, decidedBy: actor.account, decisionNote: d.note ?? null, decidedAt: at });
    if (!done) throw decided(id);
    const client = (await tx.clients.get(req.clientId))!;
    if (d.approve) await tx.clients.setRegion(req.clientId, req.toRegion);
    // in the enterprise's own log, under the client: the enterprise sees who at the platform decided
    await recordAudit(tx, { ...actor, enterpriseCode: req.enterpriseCode }, at, {
      cardNo: null,
      action: d.approve ? 'client.region-change.approve' : 'client.region-change.reject',
      entity: 'client',
      entityId: req.clientId,
      before: { region: client.region, requestId: id, status: 'pending' },
      after: { region: d.approve ? req.toRegion : client.region, requestId: id, status, note: d.note ?? null },
    });
    return (await tx.clients.getRegionChange(id))!;
  });
}
