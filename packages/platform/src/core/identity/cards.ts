/**
 * Card proof (插入本企业的法人卡): operations the manuals tie to an IC card carry `card: {cardNo, pin}`.
 * The card must belong to the operator's enterprise and be of the right kind; a wrong PIN counts
 * down ("还可以重试N次") and locks the card at zero. See docs/api.md for how this maps to a real card.
 */
import type { Clock } from '../ports.js';
import type { CardKind, CardRow, Store } from '../store.js';
import { problem } from '../problem.js';
import { CARD_PIN_TRIES } from './registry.js';
import { verifySecret } from './secrets.js';

export interface CardProof {
  cardNo: string;
  pin: string;
}

const KIND_NAMES: Record<CardKind, { zh: string; en: string }> = {
  legal: { zh: '法人卡', en: 'legal-person card' },
  operator: { zh: '操作员卡', en: 'operator card' },
};

/**
 * Checks a card proof for an enterprise. `kinds` lists the card kinds the operation accepts.
 * Returns the card; throws OSW_CARD_INVALID, OSW_CARD_KIND, OSW_CARD_LOCKED or OSW_CARD_PIN_WRONG.
 */
export async function verifyCardProof(
  deps: { store: Store; clock: Clock },
  enterpriseCode: string,
  proof: CardProof,
  kinds: readonly CardKind[],
): Promise<CardRow> {
  const card = await deps.store.identity.getCard(proof.cardNo);
  // an unknown card and another enterprise's card get the same answer: nothing about other enterprises leaks
  if (!card || card.enterpriseCode !== enterpriseCode)
    throw problem('OSW_CARD_INVALID', `卡[${proof.cardNo}]不是本企业的卡`, `card ${proof.cardNo} is not a card of your enterprise`);
  if (!kinds.includes(card.kind)) {
    const wanted = kinds.map((k) => KIND_NAMES[k]);
    throw problem(
      'OSW_CARD_KIND',
      `请插入本企业的${wanted.map((k) => k.zh).join('或')}，卡[${card.cardNo}]是${KIND_NAMES[card.kind].zh}`,
      `this needs your enterprise's ${wanted.map((k) => k.en).join(' or ')}; card ${card.cardNo} is an ${KIND_NAMES[card.kind].en}`,
    );
  }
  if (card.locked || card.triesLeft <= 0) throw cardLocked(card.cardNo);
  if (!(await verifySecret(proof.pin, card.pinHash))) {
    const left = await deps.store.identity.recordCardPinFailure(card.cardNo);
    if (left.locked) throw cardLocked(card.cardNo);
    throw problem('OSW_CARD_PIN_WRONG', `卡密码错误，还可以重试${left.triesLeft}次`, `wrong card PIN, ${left.triesLeft} tries left`, {
      triesLeft: left.triesLeft,
    });
  }
  if (card.triesLeft !== CARD_PIN_TRIES) await deps.store.identity.resetCardPinTries(card.cardNo, CARD_PIN_TRIES);
  return card;
}

function cardLocked(cardNo: string) {
  return problem(
    'OSW_CARD_LOCKED',
    `卡[${cardNo}]已锁定，请联系制卡机构解锁`,
    `card ${cardNo} is locked after too many wrong PINs; have it unlocked by the card issuer`,
  );
}

/** Checks that a card number names an operator card (操作员卡) of the enterprise, without a PIN (client push of receipts). */
export async function operatorCardOf(store: Store, enterpriseCode: string, cardNo: string): Promise<CardRow> {
  const card = await store.identity.getCard(cardNo);
  if (!card || card.enterpriseCode !== enterpriseCode)
    throw problem('OSW_CARD_INVALID', `卡[${cardNo}]不是本企业的卡`, `card ${cardNo} is not a card of your enterprise`);
  if (card.kind !== 'operator')
    throw problem(
      'OSW_CARD_KIND',
      `请填写本企业的操作员卡号，卡[${cardNo}]是法人卡`,
      `give an operator card number of your enterprise; card ${cardNo} is a legal-person card`,
    );
  return card;
}
