/**
 * The cards `osw signer` holds: each a card file (`osw-card/1`: the SM2 private key sealed under the
 * PIN with scrypt, the public key, the try counter), kept on the signer's machine, 0600. The PIN
 * comes with each signature request, as the official client gives it to the card; the card's rules
 * apply here, on the server, the same as in the client's card file (card-file.ts):
 *
 * - a wrong PIN counts the card's tries down in its file ("还可以重试N次", C134), and the card locks at
 *   zero (C910) — for every client of the signer alike; an open key is dropped when the card locks;
 * - a PIN refused once is not tried again (C134 without counting) until a right PIN has been given:
 *   a client with a wrong PIN in its config cannot lock the card by sending many files;
 * - the PIN is derived (scrypt, ~0.6 s) once when it opens the key; later requests with the same PIN
 *   are checked against an HMAC of it under a key that lives only in this process's memory.
 *
 * Openings of one card are serialised (the counter must not race); signatures run side by side on
 * libuv's thread pool.
 */
import crypto, { type KeyObject } from 'node:crypto';
import {
  cardKdfIsCurrent,
  deriveCardPassphrase,
  keyFingerprint,
  MessageRejected,
  openCardKeyWith,
  sealCardKey,
  sm2SignAsync,
} from '@osw/messages';
import { C144_MESSAGE, CARD_MAX_TRIES, readCardFile, refusedDigest, writeCardFile, type CardFile } from '../adapters/card/card-file.js';

/** What a client may read of a card: never the sealed key. */
export interface SignerCardInfo {
  cardNo: string;
  kind: 'legal' | 'operator';
  enterpriseCode: string;
  holderName?: string;
  /** SPKI PEM */
  publicKeyPem: string;
  /** what DecSign/Certificate carries: the SM3 hex fingerprint of the public key */
  certificate: string;
  locked: boolean;
  triesLeft: number;
}

export class SignerCard {
  private key: KeyObject | null = null;
  /** HMAC of the PIN that opened `key` */
  private openedWith: string | null = null;
  /** HMACs of PINs refused since the last right one: answered C134 without a derivation or a try */
  private readonly refused = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private card: CardFile,
    private readonly pinKey: Buffer,
  ) {}

  static async load(file: string, pinKey: Buffer): Promise<SignerCard> {
    return new SignerCard(file, await readCardFile(file), pinKey);
  }

  get cardNo(): string {
    return this.card.cardNo;
  }

  info(): SignerCardInfo {
    const c = this.card;
    return {
      cardNo: c.cardNo,
      kind: c.kind,
      enterpriseCode: c.enterpriseCode,
      ...(c.holderName ? { holderName: c.holderName } : {}),
      publicKeyPem: c.publicKeyPem,
      certificate: keyFingerprint(c.publicKeyPem),
      locked: c.locked || c.triesLeft <= 0,
      triesLeft: c.triesLeft,
    };
  }

  /** SM2/SM3 signature (base64 DER) of `data` with the card's key, opened with `pin`. */
  async sign(data: Uint8Array, pin: string | undefined): Promise<string> {
    const run = this.queue.then(() => this.unlock(pin));
    this.queue = run.catch(() => undefined);
    return sm2SignAsync(data, await run);
  }

  private pinHmac(pin: string): string {
    return crypto
      .createHmac('sha256', this.pinKey)
      .update(`${this.card.cardNo}:${this.card.kdf?.salt ?? ''}:${pin}`)
      .digest('hex');
  }

  private wrongPin(triesLeft: number, again: boolean): never {
    throw new MessageRejected(
      'C134',
      again
        ? `卡密码错误，还可以重试${triesLeft}次；该密码已被拒绝，未再尝试 (wrong card PIN, ${triesLeft} tries left; this PIN was refused before and is not tried again)`
        : `卡密码错误，还可以重试${triesLeft}次 (wrong card PIN, ${triesLeft} tries left)`,
    );
  }

  private async unlock(pin: string | undefined): Promise<KeyObject> {
    const card = this.card;
    if (card.locked || card.triesLeft <= 0) {
      this.key = null;
      throw new MessageRejected('C910', `IC卡[${card.cardNo}]已锁定，请联系发卡机构解锁 (card locked)`);
    }
    if (!pin) throw new MessageRejected('C144', `${C144_MESSAGE} (no card PIN was sent for card ${card.cardNo})`);
    const mac = this.pinHmac(pin);
    if (this.key && mac === this.openedWith) return this.key;
    if (this.refused.has(mac)) this.wrongPin(card.triesLeft, true);
    const passphrase = await deriveCardPassphrase(pin, card.kdf);
    const digest = refusedDigest(card.cardNo, passphrase);
    if (card.refusedPinSha256 === digest) {
      this.refused.add(mac);
      this.wrongPin(card.triesLeft, true);
    }
    let key: KeyObject;
    try {
      key = openCardKeyWith(card.encryptedPrivateKeyPem, passphrase);
    } catch {
      const triesLeft = Math.max(card.triesLeft - 1, 0);
      this.card = { ...card, triesLeft, locked: triesLeft === 0, refusedPinSha256: digest };
      await writeCardFile(this.file, this.card);
      this.refused.add(mac);
      if (triesLeft === 0) {
        this.key = null;
        this.openedWith = null;
        throw new MessageRejected(
          'C134',
          `卡密码错误，IC卡[${card.cardNo}]已锁定，请联系发卡机构解锁 (wrong card PIN: the card is now locked)`,
        );
      }
      this.wrongPin(triesLeft, false);
    }
    if (card.triesLeft !== CARD_MAX_TRIES || card.refusedPinSha256 || !cardKdfIsCurrent(card.kdf)) {
      const { refusedPinSha256: _gone, ...rest } = card;
      let next: CardFile = { ...rest, triesLeft: CARD_MAX_TRIES };
      if (!cardKdfIsCurrent(next.kdf)) next = { ...next, ...(await sealCardKey(key, pin)) };
      await writeCardFile(this.file, next);
      this.card = next;
    }
    this.refused.clear();
    this.key = key;
    this.openedWith = this.pinHmac(pin);
    return key;
  }
}

/** Every card the signer holds, by number. */
export class SignerKeyring {
  private constructor(private readonly cards: Map<string, SignerCard>) {}

  static async load(keys: readonly { cardNo: string; file: string }[]): Promise<SignerKeyring> {
    const pinKey = crypto.randomBytes(32);
    const cards = new Map<string, SignerCard>();
    for (const k of keys) {
      const card = await SignerCard.load(k.file, pinKey);
      if (card.cardNo !== k.cardNo)
        throw new MessageRejected('C909', `卡文件的卡号与配置不符: ${k.file} holds card ${card.cardNo}, the config names ${k.cardNo}`);
      cards.set(k.cardNo, card);
    }
    return new SignerKeyring(cards);
  }

  get(cardNo: string): SignerCard | undefined {
    return this.cards.get(cardNo);
  }
}
