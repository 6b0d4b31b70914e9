/**
 * The card in a network signer (加密机, `osw signer`): declarations are signed over its HTTPS API
 * instead of with a card file on this machine. The private key never comes here; the client reads
 * the card's number and certificate once (`GET /v1/cards/<cardNo>`), fills DecSign, and sends the
 * bytes a signature covers with the PIN (`POST /v1/cards/<cardNo>/sign`).
 *
 * The signer's certificate is checked against `caFile` (or the system's CAs without one). What
 * becomes of a file when signing fails, as with a card file:
 * - the signer cannot be reached (refused, reset, timed out, a 5xx): tried again with backoff for up
 *   to `retryForMs` — the file waits, claimed — then FailBox with `Failed_` C915 naming the signer and
 *   the last reason;
 * - its certificate is not trusted, the token is refused, the card is not allowed: C915 at once, the
 *   reason named (trying again would not change it);
 * - the card refuses (wrong PIN, no PIN, locked): the card's own failCode (C134, C144, C910), with
 *   the signer's message ("还可以重试N次").
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { chinaCompactMillis, MessageRejected, signDecMessageWith, type FailCode } from '@osw/messages';
import type { CardSigner } from '../../core/ports.js';
import { sleep } from '../../core/sleep.js';

export interface RemoteSignerOptions {
  /** https://host:port of the signer */
  url: string;
  /** the client token; or `clientCert` (mutual TLS) */
  token?: string;
  clientCert?: { cert: string | Buffer; key: string | Buffer };
  /** PEM of the CA that signed the signer's certificate (its own certificate when self-signed) */
  ca?: string | Buffer;
  cardNo: string;
  pin?: string;
  timeoutMs: number;
  retryForMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export type RemoteCardState = 'ok' | 'not-opened' | 'signer-unreachable' | 'signer-refused' | 'pin-missing' | 'pin-wrong' | 'locked';

interface CardInfo {
  cardNo: string;
  certificate: string;
  locked: boolean;
  triesLeft: number;
}

const RESPONSE_MAX_BYTES = 1024 * 1024;

/** TLS failures: the signer is there, but not the one the CA vouches for; retrying changes nothing */
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|ERR_TLS|ERR_SSL|EPROTO/;

class Attempt extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly failCode: FailCode = 'C915',
    readonly state: RemoteCardState = retryable ? 'signer-unreachable' : 'signer-refused',
  ) {
    super(message);
  }
}

const CARD_STATE: Partial<Record<string, RemoteCardState>> = { C134: 'pin-wrong', C144: 'pin-missing', C910: 'locked' };

export class RemoteSigner implements CardSigner {
  private readonly agent: https.Agent;
  private info: CardInfo | null = null;
  private lastState: { state: RemoteCardState; cardNo?: string; triesLeft?: number; message?: string };

  constructor(private readonly opts: RemoteSignerOptions) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 16, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.clientCert ?? {}) });
    this.lastState = { state: 'not-opened', cardNo: opts.cardNo };
  }

  get cardNo(): string {
    return this.opts.cardNo;
  }

  /** The card as the status page shows it. */
  status(): { state: RemoteCardState; cardNo?: string; triesLeft?: number; message?: string } {
    return { ...this.lastState };
  }

  /** Reads the card's certificate (once); at start (`retry` false: one try), so that its state shows at once. */
  async openKey(opts: { signal?: AbortSignal; retry?: boolean } = {}): Promise<CardInfo> {
    if (this.info) return this.info;
    const info = (await this.call('GET', `/v1/cards/${this.opts.cardNo}`, undefined, opts.signal, opts.retry)) as CardInfo;
    if (info.cardNo !== this.opts.cardNo || typeof info.certificate !== 'string')
      throw this.fail(
        new Attempt(`加密机返回的卡信息不符 (the signer answered card ${String(info.cardNo)} for ${this.opts.cardNo})`, false),
      );
    this.info = info;
    this.lastState = { state: info.locked ? 'locked' : 'ok', cardNo: info.cardNo, triesLeft: info.triesLeft };
    return info;
  }

  async signDeclaration(xml: string, now: Date, signal?: AbortSignal): Promise<string> {
    const info = await this.openKey({ signal });
    return signDecMessageWith(
      xml,
      { cardNo: info.cardNo, certificate: info.certificate, signDate: chinaCompactMillis(now) },
      async (data) => {
        const body = JSON.stringify({ data: Buffer.from(data).toString('base64'), ...(this.opts.pin ? { pin: this.opts.pin } : {}) });
        const answer = (await this.call('POST', `/v1/cards/${this.opts.cardNo}/sign`, body, signal)) as { signature?: unknown };
        if (typeof answer.signature !== 'string' || !answer.signature)
          throw this.fail(new Attempt('加密机未返回签名 (the signer answered without a signature)', false));
        this.lastState = { state: 'ok', cardNo: info.cardNo };
        return answer.signature;
      },
    );
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private fail(a: Attempt): MessageRejected {
    this.lastState = { state: a.state, cardNo: this.opts.cardNo, message: a.message };
    return new MessageRejected(a.failCode, a.message);
  }

  /** One call, tried again while the signer cannot be reached, for up to `retryForMs`. */
  private async call(
    method: 'GET' | 'POST',
    route: string,
    body: string | undefined,
    signal?: AbortSignal,
    retry = true,
  ): Promise<unknown> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, route, body, signal);
      } catch (err) {
        if (signal?.aborted) throw new Error('signing interrupted: the client is stopping', { cause: err });
        if (!(err instanceof Attempt)) throw err;
        const wait = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(attempt - 1, 20));
        if (!err.retryable || !retry || Date.now() - started + wait > this.opts.retryForMs) {
          const tries = err.retryable
            ? `；已重试${attempt}次 (tried ${attempt} times over ${Math.round((Date.now() - started) / 1000)} s)`
            : '';
          throw this.fail(new Attempt(`${err.message}${tries}`, err.retryable, err.failCode, err.state));
        }
        this.lastState = { state: 'signer-unreachable', cardNo: this.opts.cardNo, message: err.message };
        if (!(await sleep(wait, signal))) throw new Error('signing interrupted: the client is stopping');
      }
    }
  }

  private once(method: 'GET' | 'POST', route: string, body: string | undefined, signal?: AbortSignal): Promise<unknown> {
    const where = `加密机 ${this.opts.url}`;
    return new Promise((resolve, reject) => {
      let req: ReturnType<typeof https.request>;
      try {
        req = https.request(new URL(route, this.opts.url), {
          method,
          agent: this.agent,
          signal,
          timeout: this.opts.timeoutMs,
          headers: {
            ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        });
      } catch (err) {
        return reject(new Attempt(`${where}: ${(err as Error).message}`, false));
      }
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? '';
        if (TLS_ERROR.test(code) || /certificate/i.test(err.message))
          reject(
            new Attempt(
              `${where} 的证书不受信任 (the signer's TLS certificate is not trusted by signer.caFile, or does not name this host): ${err.message} (${code})`,
              false,
            ),
          );
        else reject(new Attempt(`${where} 无法连接 (the signer cannot be reached): ${err.message}${code ? ` (${code})` : ''}`, true));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > RESPONSE_MAX_BYTES) req.destroy(new Error('the answer is too large'));
          else chunks.push(c);
        });
        res.on('error', (err) => reject(new Attempt(`${where}: ${err.message}`, true)));
        res.on('end', () => {
          let json: { error?: { code?: string; message?: string; failCode?: string } } & Record<string, unknown>;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new Attempt(`${where} 返回了无法读取的应答 (HTTP ${res.statusCode}, not JSON)`, (res.statusCode ?? 500) >= 500));
          }
          const status = res.statusCode ?? 500;
          if (status >= 200 && status < 300) return resolve(json);
          const e = json.error ?? {};
          const said = `${where} 拒绝 (the signer refused): [${e.code ?? status}] ${e.message ?? ''}`.trim();
          const failCode = e.failCode && CARD_STATE[e.failCode] ? (e.failCode as FailCode) : undefined;
          if (failCode) return reject(new Attempt(e.message ?? said, false, failCode, CARD_STATE[failCode]));
          reject(new Attempt(said, status >= 500 || status === 429));
        });
      });
      req.end(body);
    });
  }
}

/** The token of the config: given, or read from `tokenFile` (its first line). */
export function signerToken(signer: { token?: string; tokenFile?: string }): string {
  if (signer.token) return signer.token;
  return readFileSync(signer.tokenFile!, 'utf8').split(/\r?\n/)[0].trim();
}
