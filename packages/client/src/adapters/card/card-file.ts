/**
 * The IC card as a file on the client machine (`osw-card/1`): the SM2 private key encrypted with the
 * PIN, the public key, and the PIN try counter. A wrong PIN counts down ("还可以重试N次") and locks
 * the card at zero, like a real card.
 *
 * The client never burns tries on its own: once a PIN has been refused, the same PIN is not tried
 * again (a SHA-256 of card number and that wrong PIN is kept in the card file), so files keep failing
 * with C134 without counting down until the PIN in the config is changed. The PIN itself is never
 * written or logged.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { chinaCompactMillis, keyFingerprint, MessageRejected, openCardKey, signDecMessage } from '@osw/messages';
import type { CardSigner } from '../../core/ports.js';
import { writeFileAtomic } from '../fs/atomic.js';

export const CARD_FILE_FORMAT = 'osw-card/1';
export const CARD_MAX_TRIES = 5;

export interface CardFile {
  format: typeof CARD_FILE_FORMAT;
  cardNo: string;
  kind: 'legal' | 'operator';
  enterpriseCode: string;
  holderName?: string;
  encryptedPrivateKeyPem: string;
  publicKeyPem: string;
  triesLeft: number;
  locked: boolean;
  /** SHA-256 of `<cardNo>:<pin>` of the last PIN the card refused */
  refusedPinSha256?: string;
}

export type CardState = 'ok' | 'not-opened' | 'pin-missing' | 'pin-wrong' | 'locked' | 'unreadable';

export async function writeCardFile(
  file: string,
  card: Omit<CardFile, 'format' | 'triesLeft' | 'locked'> & Partial<CardFile>,
): Promise<void> {
  const full: CardFile = { format: CARD_FILE_FORMAT, triesLeft: CARD_MAX_TRIES, locked: false, ...card };
  await writeFileAtomic(file, JSON.stringify(full, null, 2) + '\n');
}

export async function readCardFile(file: string): Promise<CardFile> {
  let parsed: CardFile;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (cause) {
    throw new MessageRejected('C909', `卡文件无法读取: ${file}`, { cause });
  }
  if (parsed.format !== CARD_FILE_FORMAT) throw new MessageRejected('C909', `卡文件格式不符: ${file}`);
  return parsed;
}

function pinDigest(cardNo: string, pin: string): string {
  return crypto.createHash('sha256').update(`${cardNo}:${pin}`).digest('hex');
}

export const C144_MESSAGE = '卡密码不能为空，请设置卡密码!';

export class CardFileSigner implements CardSigner {
  private key: KeyObject | null = null;
  private card: CardFile | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private lastState: { state: CardState; triesLeft?: number; cardNo?: string; message?: string } = { state: 'not-opened' };

  constructor(
    private readonly file: string,
    private readonly pin: string | undefined,
  ) {}

  get cardNo(): string | undefined {
    return this.card?.cardNo ?? this.lastState.cardNo;
  }

  /** The card as the status page shows it. */
  status(): { state: CardState; cardNo?: string; triesLeft?: number; message?: string } {
    return { ...this.lastState };
  }

  /** Opens the card's private key with the PIN (counting wrong PINs down); cached once open. */
  openKey(): Promise<{ key: KeyObject; card: CardFile }> {
    const run = this.queue.then(() => this.open());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Serialised: the try counter must not race. */
  signDeclaration(xml: string, now: Date): Promise<string> {
    return this.openKey().then(({ key, card }) =>
      signDecMessage(xml, {
        privateKey: key,
        cardNo: card.cardNo,
        certificate: keyFingerprint(card.publicKeyPem),
        signDate: chinaCompactMillis(now),
      }),
    );
  }

  private refuse(state: CardState, code: 'C134' | 'C144' | 'C909' | 'C910', message: string, card?: CardFile, cause?: unknown): never {
    this.lastState = { state, cardNo: card?.cardNo, triesLeft: card?.triesLeft, message };
    throw new MessageRejected(code, message, cause === undefined ? undefined : { cause });
  }

  private async open(): Promise<{ key: KeyObject; card: CardFile }> {
    if (this.key && this.card) return { key: this.key, card: this.card };
    let card: CardFile;
    try {
      card = await readCardFile(this.file);
    } catch (err) {
      this.lastState = { state: 'unreadable', message: (err as Error).message };
      throw err;
    }
    if (card.locked || card.triesLeft <= 0)
      this.refuse('locked', 'C910', `IC卡[${card.cardNo}]已锁定，请联系发卡机构解锁 (card locked)`, card);
    if (!this.pin) this.refuse('pin-missing', 'C144', `${C144_MESSAGE} (card PIN not set for card ${card.cardNo})`, card);
    const digest = pinDigest(card.cardNo, this.pin);
    if (card.refusedPinSha256 === digest)
      this.refuse(
        'pin-wrong',
        'C134',
        `卡密码错误，还可以重试${card.triesLeft}次；该密码已被拒绝，未再尝试，请修改配置中的卡密码 (wrong card PIN, ${card.triesLeft} tries left; this PIN was refused before and is not tried again)`,
        card,
      );
    try {
      this.key = openCardKey(card.encryptedPrivateKeyPem, this.pin);
    } catch (err) {
      const triesLeft = Math.max(card.triesLeft - 1, 0);
      const updated: CardFile = { ...card, triesLeft, locked: triesLeft === 0, refusedPinSha256: digest };
      await writeCardFile(this.file, updated);
      if (triesLeft === 0)
        this.refuse(
          'locked',
          'C134',
          `卡密码错误，IC卡[${card.cardNo}]已锁定，请联系发卡机构解锁 (wrong card PIN: the card is now locked)`,
          updated,
          err,
        );
      this.refuse('pin-wrong', 'C134', `卡密码错误，还可以重试${triesLeft}次 (wrong card PIN, ${triesLeft} tries left)`, updated, err);
    }
    if (card.triesLeft !== CARD_MAX_TRIES || card.refusedPinSha256) {
      const { refusedPinSha256: _gone, ...rest } = card;
      card = { ...rest, triesLeft: CARD_MAX_TRIES };
      await writeCardFile(this.file, card);
    }
    this.card = card;
    this.lastState = { state: 'ok', cardNo: card.cardNo, triesLeft: card.triesLeft };
    return { key: this.key, card };
  }
}
