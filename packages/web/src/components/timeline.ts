/**
 * The steps of a declaration's receipt timeline (申报 → 入库 → 审结 → 查验 → 放行 → 结关): which
 * are reached, skipped or still to come, and where a refusal (退单, 退回修改, 申报失败, 删单) ends
 * the road. The receipts are read in the order they came; the first 结关 or refusal ends the
 * timeline, so a receipt issued after it (the sandbox issues any CHANNEL on demand) never draws a
 * 退单 after 结关, nor 结关 after a 退单. Such late receipts are still listed under the timeline.
 */
import type { DeclarationReceipt } from '../api/types.js';

export const STEPS: { zh: string; en: string; channels: string[] }[] = [
  { zh: '申报', en: 'declared', channels: ['7'] },
  { zh: '入库', en: 'entered', channels: ['L'] },
  { zh: '审结', en: 'reviewed', channels: ['J', 'G'] },
  { zh: '查验', en: 'inspection', channels: ['C'] },
  { zh: '放行', en: 'released', channels: ['P'] },
  { zh: '结关', en: 'cleared', channels: ['R'] },
];
export const REFUSED = ['E', 'Z', 'Y', 'D'];
const CLEARED = 'R';

export type StepState = 'done' | 'skipped' | 'todo';

export interface Timeline {
  steps: { zh: string; en: string; state: StepState; at: string | null }[];
  /** the refusal that ended the road, drawn after the last step reached */
  refused: DeclarationReceipt | null;
}

export function timeline(receipts: Pick<DeclarationReceipt, 'channel' | 'createdAt'>[]): Timeline {
  const sorted = [...receipts].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const end = sorted.findIndex((r) => r.channel === CLEARED || REFUSED.includes(r.channel));
  const road = end < 0 ? sorted : sorted.slice(0, end + 1);
  const refused = (road.find((r) => REFUSED.includes(r.channel)) as DeclarationReceipt | undefined) ?? null;
  const at = (chs: string[]) => road.find((r) => chs.includes(r.channel));
  const lastReached = Math.max(-1, ...STEPS.map((s, i) => (at(s.channels) ? i : -1)));
  // after a refusal nothing is still to come: the steps end with the last one reached
  const shown = refused ? STEPS.slice(0, lastReached + 1) : STEPS;
  return {
    steps: shown.map((s, i) => {
      const r = at(s.channels);
      return { zh: s.zh, en: s.en, state: r ? 'done' : i < lastReached ? 'skipped' : 'todo', at: r?.createdAt ?? null };
    }),
    refused,
  };
}
