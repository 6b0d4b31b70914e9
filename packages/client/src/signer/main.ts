/**
 * `osw signer`: init (config, TLS key and certificate), add-key, add-client, and serve — the
 * composition root of the network signer (加密机).
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OswError, silentLogger, type Logger } from '@osw/messages';
import { checkCardFileMode, readCardFile } from '../adapters/card/card-file.js';
import { writeFileAtomic } from '../adapters/fs/atomic.js';
import { buildSignerApp } from './app.js';
import {
  certificateSha256,
  checkPrivateFileMode,
  loadSignerConfig,
  newSignerToken,
  parseSignerConfig,
  readSignerConfigFile,
  SIGNER_CLIENT_NAME,
  writeSignerConfigFile,
  type SignerConfig,
} from './config.js';
import { SignerKeyring } from './keyring.js';
import { selfSignedCertificate } from './tls-certificate.js';

export interface RunningSigner {
  /** https://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Writes the config (when absent) and the TLS key and certificate (when absent), all 0600. The
 * certificate names `localhost`, 127.0.0.1, ::1, this machine's host name and `names`.
 */
export async function initSigner(
  file: string,
  opts: { host?: string; port?: number; names?: readonly string[] } = {},
): Promise<{ created: string[]; config: SignerConfig }> {
  const created: string[] = [];
  let config: SignerConfig;
  if (existsSync(file)) config = readSignerConfigFile(file);
  else {
    config = parseSignerConfig({ host: opts.host, port: opts.port });
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeSignerConfigFile(file, config);
    created.push(file);
  }
  const base = path.dirname(path.resolve(file));
  const keyFile = path.resolve(base, config.tls.keyFile);
  const certFile = path.resolve(base, config.tls.certFile);
  if (!existsSync(keyFile) && !existsSync(certFile)) {
    const names = ['localhost', '127.0.0.1', '::1', os.hostname(), ...(opts.names ?? [])];
    if (config.host !== '0.0.0.0' && config.host !== '::') names.push(config.host);
    const tls = selfSignedCertificate({ names: names.filter(Boolean) });
    await writeFileAtomic(keyFile, tls.keyPem, { mode: 0o600 });
    await writeFileAtomic(certFile, tls.certPem, { mode: 0o600 });
    created.push(keyFile, certFile);
  } else if (!existsSync(keyFile) || !existsSync(certFile))
    throw new OswError(
      'OSW_CONFIG_INVALID',
      `only one of the TLS key ${keyFile} and certificate ${certFile} exists: give both, or remove it`,
    );
  return { created, config };
}

/** Copies a card file into the signer's folder (`keys/card-<cardNo>.json`, 0600) and lists it. */
export async function addSignerKey(file: string, cardFile: string): Promise<{ cardNo: string; stored: string }> {
  const config = readSignerConfigFile(file);
  const card = await readCardFile(cardFile);
  if (config.keys.some((k) => k.cardNo === card.cardNo))
    throw new OswError('OSW_CONFIG_INVALID', `the signer holds card ${card.cardNo} already`);
  const rel = path.join('keys', `card-${card.cardNo}.json`);
  const stored = path.resolve(path.dirname(path.resolve(file)), rel);
  await fs.mkdir(path.dirname(stored), { recursive: true, mode: 0o700 });
  await writeFileAtomic(stored, JSON.stringify(card, null, 2) + '\n', { mode: 0o600 });
  await writeSignerConfigFile(file, { ...config, keys: [...config.keys, { cardNo: card.cardNo, file: rel }] });
  return { cardNo: card.cardNo, stored };
}

/**
 * Adds a client allowed `cardNos`. By default it gets a token, answered here: shown once, kept only
 * as a hash. With `clientCertPem` it proves itself by that TLS client certificate instead (mutual
 * TLS), pinned by its SHA-256.
 */
export async function addSignerClient(
  file: string,
  name: string,
  cardNos: readonly string[],
  opts: { clientCertPem?: string | Buffer; now?: Date } = {},
): Promise<{ token?: string }> {
  const config = readSignerConfigFile(file);
  if (!SIGNER_CLIENT_NAME.test(name)) throw new OswError('OSW_CONFIG_INVALID', `a client name is 1–64 of A-Z a-z 0-9 _ . -: ${name}`);
  if (config.clients.some((c) => c.name === name)) throw new OswError('OSW_CONFIG_INVALID', `the signer has a client ${name} already`);
  let proof: { tokenSha256: string } | { certSha256: string };
  let token: string | undefined;
  if (opts.clientCertPem) {
    try {
      proof = { certSha256: certificateSha256(opts.clientCertPem) };
    } catch (err) {
      throw new OswError('OSW_CONFIG_INVALID', `the client certificate cannot be read: ${(err as Error).message}`, { cause: err });
    }
  } else {
    const made = newSignerToken();
    token = made.token;
    proof = { tokenSha256: made.tokenSha256 };
  }
  // parsed again: a card the signer does not hold is refused with every other problem
  const next = parseSignerConfig({
    ...config,
    clients: [...config.clients, { name, ...proof, cardNos: [...new Set(cardNos)], createdAt: (opts.now ?? new Date()).toISOString() }],
  });
  await writeSignerConfigFile(file, next);
  return token ? { token } : {};
}

/** Removes a client: its token stops working at the signer's next start. */
export async function removeSignerClient(file: string, name: string): Promise<boolean> {
  const config = readSignerConfigFile(file);
  const clients = config.clients.filter((c) => c.name !== name);
  if (clients.length === config.clients.length) return false;
  await writeSignerConfigFile(file, { ...config, clients });
  return true;
}

/**
 * Starts the signer from its config file. Refuses to start when a secret file (the config with the
 * token hashes, the TLS key, a card file) may be read by others, or the TLS files are missing.
 */
export async function startSigner(file: string, opts: { logger?: Logger; port?: number } = {}): Promise<RunningSigner> {
  await checkPrivateFileMode(path.resolve(file), "the signer's configuration (it holds the clients' token hashes)");
  const config = loadSignerConfig(file);
  const log = opts.logger ?? silentLogger;
  for (const f of [config.tls.keyFile, config.tls.certFile])
    if (!existsSync(f))
      throw new OswError('OSW_CONFIG_INVALID', `the signer's TLS file ${f} does not exist: run osw signer init --config ${file}`);
  await checkPrivateFileMode(config.tls.keyFile, "the signer's TLS private key");
  for (const k of config.keys) await checkCardFileMode(k.file);
  const keyring = await SignerKeyring.load(config.keys);
  const app = await buildSignerApp({
    keyring,
    clients: config.clients,
    maxBodyBytes: config.maxBodyBytes,
    logger: log,
    https: {
      key: await fs.readFile(config.tls.keyFile),
      cert: await fs.readFile(config.tls.certFile),
      // mutual TLS: a client certificate is asked for and pinned by its SHA-256 (not by a CA), so any is let through the handshake
      ...(config.clients.some((c) => c.certSha256) ? { requestCert: true, rejectUnauthorized: false } : {}),
    },
  });
  await app.listen({ host: config.host, port: opts.port ?? config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host =
    config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `https://${host}:${port}`;
  log.info({ url, cards: config.keys.map((k) => k.cardNo), clients: config.clients.map((c) => c.name) }, 'signer listening');
  return {
    url,
    port,
    async close() {
      await app.close();
    },
  };
}
