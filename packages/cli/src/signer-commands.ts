/**
 * `osw signer …`: the network signer (加密机) that keeps card keys on its own machine and signs for
 * import clients over HTTPS (docs/signing.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import {
  addSignerClient,
  addSignerKey,
  initSigner,
  readSignerConfigFile,
  removeSignerClient,
  selfSignedCertificate,
  startSigner,
  writeFileAtomic,
} from '@osw/client';
import { OswError } from '@osw/messages';
import { REDACT_PATHS } from './logger.js';
import { stopOnSignals } from './shutdown.js';

function die(err: unknown, code = 1): never {
  const e = err as Error & { code?: string };
  process.stderr.write(`osw signer: ${e instanceof OswError ? `[${e.code}] ` : ''}${e.message}\n`);
  process.exit(code);
}

const collect = (v: string, all: string[] = []) => [...all, v];

export function signerCommands(program: Command): void {
  const signer = program
    .command('signer')
    .description('the network signer (加密机): keeps card keys on this machine and signs for import clients over HTTPS');

  signer
    .command('init')
    .description('write the signer configuration and its TLS key and self-signed certificate (when absent), all 0600')
    .requiredOption('--config <file>', 'signer configuration (JSON)')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on', (v) => Number(v), 17443)
    .option('--name <name>', 'a further DNS name or IP address clients reach the signer by (repeatable)', collect, [])
    .action(async (o: { config: string; host: string; port: number; name: string[] }) => {
      try {
        const { created, config } = await initSigner(o.config, { host: o.host, port: o.port, names: o.name });
        for (const f of created) process.stdout.write(`written ${f}\n`);
        if (!created.length) process.stdout.write(`${o.config} and its TLS files exist: nothing changed\n`);
        const cert = path.resolve(path.dirname(path.resolve(o.config)), config.tls.certFile);
        process.stdout.write(`clients trust the signer with signer.caFile: a copy of ${cert}\n`);
      } catch (err) {
        die(err, 2);
      }
    });

  signer
    .command('add-key')
    .description("hold a card: its card file (osw-card/1, the key sealed under the card's PIN) is copied into <config folder>/keys, 0600")
    .requiredOption('--config <file>', 'signer configuration (JSON)')
    .requiredOption('--card-file <file>', 'the card file')
    .action(async (o: { config: string; cardFile: string }) => {
      try {
        const { cardNo, stored } = await addSignerKey(o.config, o.cardFile);
        process.stdout.write(`card ${cardNo} held in ${stored}; restart the signer to use it\n`);
      } catch (err) {
        die(err, 2);
      }
    });

  signer
    .command('add-client')
    .description('let a client use cards: prints its token once (the signer keeps only its SHA-256)')
    .requiredOption('--config <file>', 'signer configuration (JSON)')
    .requiredOption('--name <name>', 'the client, as the signer log names it (A-Z a-z 0-9 _ . -)')
    .requiredOption('--card-no <cardNo>', 'a card it may use (repeatable)', collect, [])
    .option('--token-file <file>', 'write the token into this file (0600) instead of printing it')
    .option(
      '--client-cert <pem>',
      'mutual TLS instead of a token: the client proves itself by this TLS certificate (pinned by its SHA-256)',
    )
    .option(
      '--make-client-cert <prefix>',
      'mutual TLS instead of a token: make a key and certificate for the client, <prefix>-key.pem and <prefix>-cert.pem (0600)',
    )
    .action(
      async (o: { config: string; name: string; cardNo: string[]; tokenFile?: string; clientCert?: string; makeClientCert?: string }) => {
        try {
          if (o.clientCert || o.makeClientCert) {
            if (o.clientCert && o.makeClientCert) die(new Error('give --client-cert or --make-client-cert, not both'), 2);
            let certPem: string;
            if (o.makeClientCert) {
              const made = selfSignedCertificate({ names: [o.name], commonName: o.name, purpose: 'client' });
              await writeFileAtomic(`${o.makeClientCert}-key.pem`, made.keyPem, { mode: 0o600 });
              await writeFileAtomic(`${o.makeClientCert}-cert.pem`, made.certPem, { mode: 0o600 });
              certPem = made.certPem;
            } else certPem = readFileSync(o.clientCert!, 'utf8');
            await addSignerClient(o.config, o.name, o.cardNo, { clientCertPem: certPem });
            const where = o.makeClientCert
              ? `; its key and certificate: ${o.makeClientCert}-key.pem, ${o.makeClientCert}-cert.pem (signer.keyFile, signer.certFile)`
              : '';
            process.stdout.write(`client ${o.name} added, by its TLS client certificate${where}; restart the signer to use it\n`);
            return;
          }
          const { token } = await addSignerClient(o.config, o.name, o.cardNo);
          if (!token) throw new Error('no token was made');
          if (o.tokenFile) {
            await writeFileAtomic(o.tokenFile, token + '\n', { mode: 0o600 });
            process.stdout.write(
              `client ${o.name} added; its token is in ${o.tokenFile} (signer.tokenFile); restart the signer to use it\n`,
            );
          } else
            process.stdout.write(
              `client ${o.name} added; its token, shown this once (signer.token, or OSW_CLIENT_SIGNER_TOKEN):\n${token}\nrestart the signer to use it\n`,
            );
        } catch (err) {
          die(err, 2);
        }
      },
    );

  signer
    .command('remove-client')
    .description('remove a client: its token no longer works once the signer restarts')
    .requiredOption('--config <file>', 'signer configuration (JSON)')
    .requiredOption('--name <name>', 'the client')
    .action(async (o: { config: string; name: string }) => {
      try {
        if (!(await removeSignerClient(o.config, o.name))) die(new Error(`no client ${o.name}`), 2);
        process.stdout.write(`client ${o.name} removed; restart the signer\n`);
      } catch (err) {
        die(err, 2);
      }
    });

  signer
    .command('list')
    .description('the cards held and the clients, with the cards each may use (no token, no hash)')
    .requiredOption('--config <file>', 'signer configuration (JSON)')
    .action((o: { config: string }) => {
      try {
        const c = readSignerConfigFile(o.config);
        process.stdout.write(
          `https://${c.host}:${c.port}\ncards:\n${c.keys.map((k) => `  ${k.cardNo}  ${k.file}`).join('\n') || '  (none)'}\n`,
        );
        const clients = c.clients.map(
          (cl) => `  ${cl.name}  ${cl.cardNos.join(', ')}  (${cl.certSha256 ? 'TLS client certificate' : 'token'})`,
        );
        process.stdout.write(`clients:\n${clients.join('\n') || '  (none)'}\n`);
      } catch (err) {
        die(err, 2);
      }
    });

  signer
    .command('serve')
    .description('run the signer: HTTPS, token per client, the cards each client may use')
    .requiredOption('--config <file>', 'signer configuration (JSON)')
    .option('--port <n>', 'port to listen on instead of the config one (0 = any free port)', (v) => Number(v))
    .option('--log-level <level>', 'pino level', 'info')
    .action(async (o: { config: string; port?: number; logLevel: string }) => {
      const logger = pino({ level: o.logLevel, redact: { paths: [...REDACT_PATHS, 'data', '*.data'], censor: '[REDACTED]' } });
      let running: Awaited<ReturnType<typeof startSigner>>;
      try {
        running = await startSigner(o.config, { logger, port: o.port });
      } catch (err) {
        die(err, 2);
      }
      process.stdout.write(`signer listening on ${running.url}\n`);
      stopOnSignals({ stopping: 'stopping the signer… (again to force)', stop: () => running.close() });
    });
}
