/**
 * Who may sign for the sender (Single Window FAQ 19 and 20), in the words customs answers with:
 * the card named in a message must be on the white list — a card of the sending enterprise, not
 * locked, not expired — and the fields naming the operating enterprise must be the card's.
 */
import { chinaDateTime } from '@osw/messages';
import { cardExpired } from '../identity/registry.js';
import type { CardRow, EnterpriseRow } from '../store.js';

/** FAQ 20: the card is unknown, another enterprise's, locked, expired, or not the one that signed */
export const CARD_NOT_WHITELISTED = '非白名单用户或者ic卡号不合法';
/** FAQ 19: the message names another enterprise than the card's (the session's) */
export const CARD_SESSION_MISMATCH = '操作卡海关十位和Session中的不相符';

/**
 * Why the card `cardNo` named in a message may not sign for `senderEnterprise` at `now`, or null. An
 * unknown card and another enterprise's card get one answer: the exchange does not tell which card
 * numbers exist.
 */
export function cardRefusal(card: CardRow | undefined, cardNo: string, senderEnterprise: string, now: Date): string | null {
  if (!card || card.enterpriseCode !== senderEnterprise)
    return `${CARD_NOT_WHITELISTED}：IC卡[${cardNo}]不存在或不属于发送企业[${senderEnterprise}]`;
  if (card.locked) return `${CARD_NOT_WHITELISTED}：IC卡[${cardNo}]已锁定`;
  if (cardExpired(card, now)) return `${CARD_NOT_WHITELISTED}：IC卡[${cardNo}]已过期(有效期至${chinaDateTime(new Date(card.validUntil!))})`;
  return null;
}

/**
 * True when `code` names the enterprise: its 海关十位 (10 characters), its 统一社会信用代码 (18) or
 * the 组织机构代码 inside it (9, characters 9–17 of the USCC).
 */
export function namesEnterprise(code: string, e: Pick<EnterpriseRow, 'customsCode' | 'uscc'>): boolean {
  if (code.length === 10) return code === e.customsCode;
  if (code.length === 18) return code === e.uscc;
  if (code.length === 9) return code === e.uscc.slice(8, 17);
  return false;
}

/**
 * FAQ 19: one refusal per field (given as `[path, value]`, blank values skipped) that does not name
 * the card's enterprise `enterpriseCode`. The enterprise row is read only when a value is not a 海关十位.
 */
export async function sessionMismatches(
  fields: readonly (readonly [path: string, value: string | undefined])[],
  enterpriseCode: string,
  enterprise: () => Promise<EnterpriseRow | undefined>,
): Promise<string[]> {
  const out: string[] = [];
  let e: Pick<EnterpriseRow, 'customsCode' | 'uscc'> | undefined;
  for (const [path, raw] of fields) {
    const value = raw?.trim() ?? '';
    if (!value) continue;
    if (value.length !== 10) e ??= (await enterprise()) ?? { customsCode: enterpriseCode, uscc: '' };
    if (!namesEnterprise(value, e ?? { customsCode: enterpriseCode, uscc: '' }))
      out.push(`${CARD_SESSION_MISMATCH}：${path}[${value}]不是IC卡所属企业[${enterpriseCode}]`);
  }
  return out;
}
