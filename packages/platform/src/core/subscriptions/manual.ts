/**
 * 加工贸易账册数据订阅 (ManualSubscription): only the manual's 加工单位 may subscribe.
 * Stock (存量): chosen push types (料件 img / 成品 exg) and serial ranges, at most 10,000 rows per
 * type, repeatable, pushed once right away (a pending push request for the push engine), never
 * cancelled or extended. Incremental (增量): one in force per manual and enterprise, pushes every
 * approved change until it expires, can be cancelled and extended.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { verifyCardProof, type CardProof } from '../identity/cards.js';
import { problem } from '../problem.js';
import type { Clock } from '../ports.js';
import type { ManualSubscriptionKind, ManualSubscriptionQuery, ManualSubscriptionRow, Paged, SerialRange, Store } from '../store.js';
import { subscribingClient } from './common.js';
import { cancelWithValidity, extendWithValidity, type ValiditySubject } from './lifecycle.js';
import { checkValidUntil } from './validity.js';

type Deps = { store: Store; clock: Clock };
type PushType = 'img' | 'exg';

export const STOCK_ROWS_PER_TYPE = 10_000;

export interface ManualSubscriptionRequest {
  clientId: string;
  kind: ManualSubscriptionKind;
  /** 账册号 */
  manualNo: string;
  /** 料件序号范围 `1-100` (stock) */
  imgRange?: string;
  /** 成品序号范围 `1-100` (stock) */
  exgRange?: string;
  pushTypes?: PushType[];
  validUntil?: string;
  card: CardProof;
}

const TYPE_NAMES: Record<PushType, string> = { img: '料件', exg: '成品' };

/** 订阅内容 as the manual shows it: `账册存量数据订阅: 账册号[E…] 料件[1-100]成品[1-100];`. */
export function manualContent(s: Pick<ManualSubscriptionRow, 'kind' | 'manualNo' | 'imgRange' | 'exgRange'>): string {
  if (s.kind === 'incremental') return `账册增量数据订阅: 账册号[${s.manualNo}];`;
  const r = (name: string, x: SerialRange | null) => (x ? `${name}[${x.from}-${x.to}]` : '');
  return `账册存量数据订阅: 账册号[${s.manualNo}] ${r('料件', s.imgRange)}${r('成品', s.exgRange)};`;
}

export function parseRange(text: string, type: PushType): SerialRange {
  const m = /^\s*(\d{1,9})\s*-\s*(\d{1,9})\s*$/.exec(text);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!m || from < 1 || to < from)
    throw problem(
      'OSW_VALIDATION',
      `${TYPE_NAMES[type]}序号范围[${text}]格式不正确，应为“起始序号-结束序号”，如1-100`,
      `${type}Range ${text} must be "from-to" with 1 <= from <= to, e.g. 1-100`,
    );
  if (to - from + 1 > STOCK_ROWS_PER_TYPE)
    throw problem(
      'OSW_SUB_RANGE_TOO_LARGE',
      `${TYPE_NAMES[type]}序号范围[${text}]共${to - from + 1}条，超过每次订阅${STOCK_ROWS_PER_TYPE}条的上限`,
      `${type}Range ${text} covers ${to - from + 1} rows; a stock subscription takes at most ${STOCK_ROWS_PER_TYPE} rows per type`,
    );
  return { from, to };
}

/** Finds the manual and checks that the enterprise is its 加工单位. */
async function manualFor(store: Store, enterpriseCode: string, manualNo: string) {
  const manual = await store.manuals.get(manualNo);
  const processingUnit = manual ? (manual.head.processingCode ?? manual.enterpriseCode) : undefined;
  const party = manual && [manual.enterpriseCode, manual.head.tradeCode, processingUnit].includes(enterpriseCode);
  if (!manual || !party)
    throw problem(
      'OSW_NOT_FOUND',
      `账册[${manualNo}]不存在或本企业不是其加工单位：只有账册的加工单位可以订阅账册数据`,
      `manual ${manualNo} not found, or your enterprise is not its processing unit (加工单位): only the processing unit may subscribe to a manual`,
    );
  if (processingUnit !== enterpriseCode)
    throw problem(
      'OSW_SUB_NOT_PROCESSING_UNIT',
      `只有账册[${manualNo}]的加工单位可以订阅账册数据`,
      `only the processing unit (加工单位) of manual ${manualNo} may subscribe to it`,
    );
  return manual;
}

export async function subscribeManual(
  deps: Deps,
  actor: Actor,
  req: ManualSubscriptionRequest,
): Promise<ManualSubscriptionRow & { pushRequestId: number | null }> {
  const manual = await manualFor(deps.store, actor.enterpriseCode, req.manualNo);
  let imgRange: SerialRange | null = null;
  let exgRange: SerialRange | null = null;
  let pushTypes: PushType[] = [];
  if (req.kind === 'incremental') {
    if (req.imgRange || req.exgRange || req.pushTypes?.length)
      throw problem(
        'OSW_VALIDATION',
        '增量订阅推送账册的全部变更，不选择推送类型和序号范围',
        'an incremental subscription pushes every approved change: leave out pushTypes, imgRange and exgRange',
      );
  } else {
    const given = { img: req.imgRange, exg: req.exgRange };
    pushTypes = req.pushTypes?.length
      ? [...new Set(req.pushTypes)]
      : (['img', 'exg'] as PushType[]).filter((t) => given[t] || !(given.img || given.exg));
    for (const t of ['img', 'exg'] as PushType[])
      if (given[t] && !pushTypes.includes(t))
        throw problem(
          'OSW_VALIDATION',
          `选择了${TYPE_NAMES[t]}序号范围但推送类型中没有${TYPE_NAMES[t]}`,
          `${t}Range is given but pushTypes does not include ${t}`,
        );
    const items = await deps.store.manuals.listItems(manual.manualNo);
    const ranges: Record<PushType, SerialRange | null> = { img: null, exg: null };
    for (const t of pushTypes) {
      if (given[t]) ranges[t] = parseRange(given[t]!, t);
      else {
        const last = Math.max(0, ...items.filter((i) => i.kind === t).map((i) => i.serial));
        if (last === 0)
          throw problem(
            'OSW_VALIDATION',
            `账册[${manual.manualNo}]没有${TYPE_NAMES[t]}，请不要选择该推送类型`,
            `manual ${manual.manualNo} has no ${t} rows; leave ${t} out of pushTypes`,
          );
        ranges[t] = parseRange(`1-${last}`, t);
      }
    }
    ({ img: imgRange, exg: exgRange } = ranges);
  }
  const now = deps.clock.now();
  const validity = checkValidUntil(req.validUntil, now);
  const client = await subscribingClient(deps.store, actor.enterpriseCode, req.clientId);
  const card = await verifyCardProof(deps, actor.enterpriseCode, req.card, ['legal', 'operator']);
  const at = now.toISOString();
  const row: Omit<ManualSubscriptionRow, 'id'> = {
    enterpriseCode: actor.enterpriseCode,
    clientId: client.clientId,
    cardNo: card.cardNo,
    operatorAccount: actor.account,
    operatorCode: actor.operatorCode,
    kind: req.kind,
    manualNo: manual.manualNo,
    pushTypes,
    imgRange,
    exgRange,
    content: '',
    ...validity,
    cancelledAt: null,
    createdAt: at,
    updatedAt: at,
  };
  row.content = manualContent(row);
  return deps.store.transaction(async (tx) => {
    const id = await tx.manualSubscriptions.insert(row, { exclusiveAt: req.kind === 'incremental' ? at : undefined });
    if (id === null) {
      const held = (await tx.manualSubscriptions.active(manual.manualNo, at)).find((s) => s.enterpriseCode === actor.enterpriseCode);
      throw problem(
        'OSW_SUB_INCREMENTAL_EXISTS',
        `账册[${manual.manualNo}]已有生效的增量订阅${held ? `[${held.id}]` : ''}，请在其失效或取消后再订阅`,
        `manual ${manual.manualNo} has an incremental subscription in force${held ? ` (${held.id})` : ''}; subscribe again once it has expired or been cancelled`,
      );
    }
    // stock: "pushed once right away" — the push engine picks this request up
    const pushRequestId =
      req.kind === 'stock'
        ? await tx.pushRequests.insert({
            kind: 'manual-stock',
            subscriptionId: id,
            clientId: client.clientId,
            payload: { manualNo: manual.manualNo, pushTypes, imgRange, exgRange },
            createdAt: at,
          })
        : null;
    const created = { id, ...row };
    await recordAudit(tx, actor, at, {
      cardNo: card.cardNo,
      action: `subscription.manual.${req.kind}.create`,
      entity: 'manual-subscription',
      entityId: String(id),
      before: null,
      after: created,
    });
    return { ...created, pushRequestId };
  });
}

export async function manualSubscriptionOf(store: Store, enterpriseCode: string, id: number): Promise<ManualSubscriptionRow> {
  const s = await store.manualSubscriptions.get(id);
  if (!s || s.enterpriseCode !== enterpriseCode)
    throw problem('OSW_NOT_FOUND', `账册数据订阅[${id}]不存在`, `manual subscription ${id} not found`);
  return s;
}

export function listManualSubscriptions(store: Store, actor: Actor, q: ManualSubscriptionQuery): Promise<Paged<ManualSubscriptionRow>> {
  return store.manualSubscriptions.list(actor.enterpriseCode, q);
}

/**
 * A stock subscription's push progress: `waiting` until the push engine has written its messages,
 * then `pushing` until the client has acknowledged every one (下发成功), then `done`. `pushed` of
 * `total` counts messages (a stock push is split into messages of at most a set number of rows).
 */
export interface StockPushProgress {
  state: 'waiting' | 'pushing' | 'done';
  pushed: number;
  total: number;
}

/** Adds the push progress to the stock subscriptions among `rows` (one lookup for all of them); incremental rows get null. */
export async function withStockProgress<R extends ManualSubscriptionRow>(
  store: Store,
  rows: readonly R[],
): Promise<(R & { stockPush: StockPushProgress | null })[]> {
  const stock = rows.filter((r) => r.kind === 'stock');
  const counts = await store.pushes.stockProgress(stock.map((r) => ({ id: r.id, manualNo: r.manualNo })));
  return rows.map((r) => {
    if (r.kind !== 'stock') return { ...r, stockPush: null };
    const c = counts.get(r.id);
    const state = !c || c.total === 0 ? 'waiting' : c.delivered >= c.total ? 'done' : 'pushing';
    return { ...r, stockPush: { state, pushed: c?.delivered ?? 0, total: c?.total ?? 0 } };
  });
}

function assertIncremental(s: ManualSubscriptionRow): void {
  if (s.kind === 'stock')
    throw problem('OSW_SUB_STOCK_FINAL', `存量订阅[${s.id}]不能取消或延期`, `stock subscription ${s.id} cannot be cancelled or extended`);
}

const INCREMENTAL: ValiditySubject = {
  zh: '账册增量订阅',
  en: 'manual subscription',
  entity: 'manual-subscription',
  action: 'subscription.manual',
  cards: ['legal', 'operator'],
  update: (tx, id, change) => tx.manualSubscriptions.update(id, change),
};

export async function cancelManualSubscription(deps: Deps, actor: Actor, id: number, proof: CardProof): Promise<ManualSubscriptionRow> {
  const before = await manualSubscriptionOf(deps.store, actor.enterpriseCode, id);
  assertIncremental(before);
  return cancelWithValidity(deps, actor, id, before, proof, INCREMENTAL);
}

export async function extendManualSubscription(
  deps: Deps,
  actor: Actor,
  id: number,
  validUntil: string,
  proof: CardProof,
): Promise<ManualSubscriptionRow> {
  const before = await manualSubscriptionOf(deps.store, actor.enterpriseCode, id);
  assertIncremental(before);
  return extendWithValidity(deps, actor, id, before, validUntil, proof, INCREMENTAL);
}
