/**
 * `osw signer`'s configuration (signer.json): where it listens, its TLS key and certificate, the
 * cards it holds and the clients that may use them. One zod schema; every problem reported at once.
 * The file holds the clients' token hashes and is written 0600; relative paths are relative to it.
 */
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OswError } from '@osw/messages';
import { z } from 'zod';
import { writeFileAtomic } from '../adapters/fs/atomic.js';

export { checkPrivateFileMode } from '../adapters/fs/private-file.js';

/** a card number as the platform issues them (13 digits) */
export const SIGNER_CARD_NO = /^\d{13}$/;
/** the name of a client of the signer, as it shows in its log */
export const SIGNER_CLIENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const SignerConfigSchema = z
  .object({
    /** the address it listens on */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(17443),
    /** its TLS key (PKCS#8 PEM, 0600) and certificate; `osw signer init` makes both when absent */
    tls: z
      .object({ keyFile: z.string().min(1).default('tls-key.pem'), certFile: z.string().min(1).default('tls-cert.pem') })
      .default({ keyFile: 'tls-key.pem', certFile: 'tls-cert.pem' }),
    /** the largest request body read; a larger one is refused (413) before it is parsed */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    /** the cards held: card files (`osw-card/1`, the key sealed under the PIN, 0600) */
    keys: z
      .array(z.object({ cardNo: z.string().regex(SIGNER_CARD_NO, 'a card number is 13 digits'), file: z.string().min(1) }))
      .default([]),
    /**
     * who may sign: a name; how it proves itself — the SHA-256 of its token (the token itself is shown
     * once), or the SHA-256 of its TLS client certificate (mutual TLS); the cards it may use
     */
    clients: z
      .array(
        z
          .object({
            name: z.string().regex(SIGNER_CLIENT_NAME, 'a client name is 1–64 of A-Z a-z 0-9 _ . -'),
            tokenSha256: z
              .string()
              .regex(/^[0-9a-f]{64}$/, 'tokenSha256 is 64 hex digits')
              .optional(),
            certSha256: z
              .string()
              .regex(/^[0-9a-f]{64}$/, 'certSha256 is 64 hex digits')
              .optional(),
            cardNos: z.array(z.string().regex(SIGNER_CARD_NO, 'a card number is 13 digits')).min(1),
            createdAt: z.string().optional(),
          })
          .refine((c) => !!c.tokenSha256 !== !!c.certSha256, { message: 'a client has tokenSha256 or certSha256 (one of them)' }),
      )
      .default([]),
  })
  .superRefine((c, ctx) => {
    const held = new Set<string>();
    c.keys.forEach((k, i) => {
      if (held.has(k.cardNo)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'cardNo'], message: `card ${k.cardNo} is listed twice` });
      held.add(k.cardNo);
    });
    const names = new Set<string>();
    c.clients.forEach((cl, i) => {
      if (names.has(cl.name)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'name'], message: `client ${cl.name} is listed twice` });
      names.add(cl.name);
      cl.cardNos.forEach((no, j) => {
        if (!held.has(no))
          ctx.addIssue({
            code: 'custom',
            path: ['clients', i, 'cardNos', j],
            message: `card ${no} is not one of the keys the signer holds`,
          });
      });
    });
  });
export type SignerConfig = z.output<typeof SignerConfigSchema>;
export type SignerConfigInput = z.input<typeof SignerConfigSchema>;

export function parseSignerConfig(input: unknown): SignerConfig {
  const r = SignerConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const all = r.error.issues.map((i) => `  - ${i.path.join('.') || '(config)'}: ${i.message}`).join('\n');
  throw new OswError('OSW_CONFIG_INVALID', `the signer configuration has ${r.error.issues.length} problem(s):\n${all}`);
}

/** The file as written (relative paths kept), for `init`, `add-key` and `add-client` to change and write back. */
export function readSignerConfigFile(file: string): SignerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `cannot read the signer configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseSignerConfig(raw);
}

/** The config with its paths made absolute (relative to the file's folder), for `serve`. */
export function loadSignerConfig(file: string): SignerConfig {
  const config = readSignerConfigFile(file);
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  return {
    ...config,
    tls: { keyFile: abs(config.tls.keyFile), certFile: abs(config.tls.certFile) },
    keys: config.keys.map((k) => ({ ...k, file: abs(k.file) })),
  };
}

export async function writeSignerConfigFile(file: string, config: SignerConfig): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}

/** A new client token (shown once): `osws_` and 43 characters of base64url (32 random bytes); and the hash the signer keeps of it. */
export function newSignerToken(): { token: string; tokenSha256: string } {
  const token = `osws_${crypto.randomBytes(32).toString('base64url')}`;
  return { token, tokenSha256: signerTokenSha256(token) };
}

export function signerTokenSha256(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The SHA-256 (hex) of a certificate's DER: what `certSha256` pins. */
export function certificateSha256(pemOrDer: string | Buffer): string {
  return new crypto.X509Certificate(pemOrDer).fingerprint256.replaceAll(':', '').toLowerCase();
}
