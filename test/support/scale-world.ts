/**
 * The parts the RabbitMQ fault and scale tests share: a second platform instance as its own
 * process (`osw platform start`, so it can be killed), and an import client over RabbitMQ with
 * short timings, its card and its folders below one home.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClient, writeCardFile, type ClientConfigInput, type RunningClient } from '@osw/client';
import type { IssuedCard } from '@osw/platform';
import { waitFor } from '../helpers.js';
import { silent } from './platform-world.js';

const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');

/** Starts `osw platform start` with this config (written next to it) and waits until it listens. */
export async function spawnPlatformInstance(dir: string, config: Record<string, unknown>): Promise<ChildProcess> {
  const cfgFile = path.join(dir, 'platform.yaml');
  writeFileSync(cfgFile, JSON.stringify(config));
  const child = spawn(process.execPath, [OSW, 'platform', 'start', '--config', cfgFile, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitFor(() => out.includes('platform listening'), `the platform instance to start (${out})`, 90_000);
  return child;
}

/** The broker URL a client connects to: the vhost's, without the platform's login. */
export function clientBrokerUrl(vhostUrl: string): string {
  const u = new URL(vhostUrl);
  u.username = '';
  u.password = '';
  return u.toString();
}

/**
 * Starts an import client over RabbitMQ below `home` (ImpPath, logs, locks, card.json), signing
 * with the given card (PIN 12345678). `config` overrides the short test timings.
 */
export async function startAmqpClient(o: {
  home: string;
  url: string;
  reg: { clientId: string; secret: string };
  card: IssuedCard;
  config?: Partial<ClientConfigInput>;
}): Promise<RunningClient> {
  const cardFile = path.join(o.home, 'card.json');
  const { cardNo, kind, enterpriseCode, encryptedPrivateKeyPem, kdf, publicKeyPem } = o.card;
  await writeCardFile(cardFile, { cardNo, kind, enterpriseCode, encryptedPrivateKeyPem, kdf, publicKeyPem });
  return startClient(
    {
      clientId: o.reg.clientId,
      platform: { url: o.url, secret: o.reg.secret },
      impPath: path.join(o.home, 'ImpPath'),
      card: { file: cardFile, pin: '12345678' },
      businesses: { declaration: { maxConcurrentTasks: 8 } },
      stableMs: 50,
      rescanMs: 200,
      retryBaseMs: 100,
      retryMaxMs: 2000,
      sendTimeoutMs: 5_000,
      receiveWaitMs: 500,
      logDir: path.join(o.home, 'logs'),
      statusPage: { enabled: false, host: '127.0.0.1', port: 0 },
      deviceId: `test-machine-${o.reg.clientId}`,
      ...o.config,
    },
    { logger: silent, lockDir: path.join(o.home, 'locks') },
  );
}
