/**
 * The IC card as a file on the client machine (`osw-card/1`): the SM2 private key encrypted with the
 * PIN, the public key, and the PIN try counter. A wrong PIN counts down ("还可以重试N次") and locks
 * the card at zero, like a real card.
 *
 * The key is sealed under a passphrase derived from the PIN with scrypt (`kdf`, memory-hard: ≥ 100 ms
 * and 128 MiB per PIN tried); the derivation runs once when the card is unlocked, never per file. A
 * card file of the first format (no `kdf`: the PIN itself is the passphrase) still opens, and is
 * sealed again with today's derivation the first time it opens.
 *
 * The client never burns tries on its own: once a PIN has been refused, the same PIN is not tried
 * again (a SHA-256 of card number and that wrong PIN's derived passphrase is kept in the card file),
 * so files keep failing with C134 without counting down until the PIN in the config is changed. The
 * PIN itself is never written or logged.
 *
 * The file holds the sealed key: it is written 0600, and the client refuses to start on a card file
 * that others may read (checkCardFileMode).
 */
import crypto, { type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import {
  cardKdfIsCurrent,
  chinaCompactMillis,
  deriveCardPassphrase,
  keyFingerprint,
  MessageRejected,
  openCardKeyWith,
  OswError,
  sealCardKey,
  signDecMessageAsync,
  type CardKdf,
} from '@osw/messages';
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
  /** how the PIN becomes the key's passphrase; absent in first-format files (the PIN itself) */
  kdf?: CardKdf;
  publicKeyPem: string;
  triesLeft: number;
  locked: boolean;
  /** SHA-256 of `<cardNo>:<passphrase>` of the last PIN the card refused (the passphrase derived from it by `kdf`) */
  refusedPinSha256?: string;
}

export type CardState = 'ok' | 'not-opened' | 'pin-missing' | 'pin-wrong' | 'locked' | 'unreadable';

export async function writeCardFile(
  file: string,
  card: Omit<CardFile, 'format' | 'triesLeft' | 'locked'> & Partial<CardFile>,
): Promise<void> {
  const full: CardFile = { format: CARD_FILE_FORMAT, triesLeft: CARD_MAX_TRIES, locked: false, ...card };
  await writeFileAtomic(file, JSON.stringify(full, null, 2) + '\n', { mode: 0o600 });
}

/**
 * Refuses a card file that the group or others may read or write (mode 0644 and the like): a copy of
 * it is all an offline PIN guesser needs. A missing file is left to the card's own state (C909).
 * POSIX modes only; on Windows the folder's ACL protects it.
 */
export async function checkCardFileMode(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await fs.stat(file).catch(() => null);
  if (!st || (st.mode & 0o077) === 0) return;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  throw new OswError(
    'OSW_CARD_FILE_EXPOSED',
    `卡文件权限过宽 ${file} (mode ${mode}): the card file holds the card's sealed private key and must be readable by its owner only; run: chmod 600 ${JSON.stringify(file)}`,
  );
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

/** what a card file keeps of a refused PIN (`refusedPinSha256`): the SHA-256 of card number and the PIN's derived passphrase */
export function refusedDigest(cardNo: string, passphrase: string): string {
  return crypto.createHash('sha256').update(`${cardNo}:${passphrase}`).digest('hex');
}

export const C144_MESSAGE = '卡密码不能为空，请设置卡密码!';

export class CardFileSigner implements CardSigner {
  private key: KeyObject | null = null;
  private card: CardFile | null = null;
  /** DecSign/Certificate of the open card: its public key parsed once, not per file */
  private certificate: { publicKeyPem: string; fingerprint: string } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** the PIN's passphrase for one card file's salt: derived once, not per file sent */
  private derived: { cardNo: string; salt: string | undefined; passphrase: string } | null = null;
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
      signDecMessageAsync(xml, {
        privateKey: key,
        cardNo: card.cardNo,
        certificate: this.fingerprintOf(card.publicKeyPem),
        signDate: chinaCompactMillis(now),
      }),
    );
  }

  private fingerprintOf(publicKeyPem: string): string {
    if (this.certificate?.publicKeyPem !== publicKeyPem) this.certificate = { publicKeyPem, fingerprint: keyFingerprint(publicKeyPem) };
    return this.certificate.fingerprint;
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
    const passphrase = await this.passphrase(card, this.pin);
    const digest = refusedDigest(card.cardNo, passphrase);
    if (card.refusedPinSha256 === digest)
      this.refuse(
        'pin-wrong',
        'C134',
        `卡密码错误，还可以重试${card.triesLeft}次；该密码已被拒绝，未再尝试，请修改配置中的卡密码 (wrong card PIN, ${card.triesLeft} tries left; this PIN was refused before and is not tried again)`,
        card,
      );
    try {
      this.key = openCardKeyWith(card.encryptedPrivateKeyPem, passphrase);
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
    if (card.triesLeft !== CARD_MAX_TRIES || card.refusedPinSha256 || !cardKdfIsCurrent(card.kdf)) {
      const { refusedPinSha256: _gone, ...rest } = card;
      card = { ...rest, triesLeft: CARD_MAX_TRIES };
      // a first-format card (or one sealed at a lower cost) is sealed again with today's derivation
      if (!cardKdfIsCurrent(card.kdf)) {
        const sealed = await sealCardKey(this.key, this.pin);
        card = { ...card, ...sealed };
        this.derived = null;
      }
      await writeCardFile(this.file, card);
    }
    this.card = card;
    this.lastState = { state: 'ok', cardNo: card.cardNo, triesLeft: card.triesLeft };
    return { key: this.key, card };
  }

  private async passphrase(card: CardFile, pin: string): Promise<string> {
    const salt = card.kdf?.salt;
    if (this.derived && this.derived.cardNo === card.cardNo && this.derived.salt === salt) return this.derived.passphrase;
    let passphrase: string;
    try {
      passphrase = await deriveCardPassphrase(pin, card.kdf);
    } catch (err) {
      this.lastState = { state: 'unreadable', cardNo: card.cardNo, message: (err as Error).message };
      throw err;
    }
    this.derived = { cardNo: card.cardNo, salt, passphrase };
    return passphrase;
  }
}
