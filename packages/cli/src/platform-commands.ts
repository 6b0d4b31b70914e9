/**
 * `osw platform start --config platform.yaml`: one platform instance on its own. Several may run
 * against one PostgreSQL database (`store: postgres://…`) and one RabbitMQ (`exchange: amqp://…`).
 * Configuration: defaults < file (YAML or JSON) < environment (OSW_PLATFORM_*); every problem is
 * reported at once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import YAML from 'yaml';
import { hidePassword, OswError } from '@osw/messages';
import { describeSmtp, PlatformConfigSchema, redactedPlatformConfig, startPlatform } from '@osw/platform';
import { REDACT_PATHS } from './logger.js';
import { stopOnSignals } from './shutdown.js';

/** Environment variables that override the file (secrets need not be written into it). */
export const PLATFORM_ENV: Record<string, { key: string; number?: boolean }> = {
  OSW_PLATFORM_STORE: { key: 'store' },
  OSW_PLATFORM_EXCHANGE: { key: 'exchange' },
  OSW_PLATFORM_HOST: { key: 'host' },
  OSW_PLATFORM_PORT: { key: 'port', number: true },
  OSW_PLATFORM_PUBLIC_URL: { key: 'publicUrl' },
  OSW_PLATFORM_ROLE: { key: 'role' },
  OSW_PLATFORM_SECRET_KEY_FILE: { key: 'secretKeyFile' },
  OSW_PLATFORM_METRICS_TOKEN: { key: 'metricsToken' },
};

/** OpenTelemetry's standard variables that override the file's `tracing` section. */
export const TRACING_ENV = { OTEL_EXPORTER_OTLP_ENDPOINT: 'otlpEndpoint', OTEL_SERVICE_NAME: 'serviceName' } as const;

export function loadPlatformConfig(file: string, env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}) {
  let raw: Record<string, unknown>;
  try {
    raw = (YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) ?? {};
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `cannot read the platform configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  for (const [name, { key, number }] of Object.entries(PLATFORM_ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = number ? Number(v) : v;
  }
  // the SMTP password of alert mail need not be written into the file
  const smtpPassword = env.OSW_PLATFORM_SMTP_PASSWORD;
  if (smtpPassword) {
    const alerts = (raw.alerts ??= {}) as Record<string, unknown>;
    const smtp = alerts.smtp;
    if (smtp && typeof smtp === 'object') (smtp as Record<string, unknown>).password = smtpPassword;
  }
  for (const [name, key] of Object.entries(TRACING_ENV)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const tracing = typeof raw.tracing === 'object' && raw.tracing !== null ? (raw.tracing as Record<string, unknown>) : {};
    raw.tracing = { ...tracing, [key]: v };
  }
  // command-line options win over the file and the environment
  for (const [key, v] of Object.entries(overrides)) if (v !== undefined) raw[key] = v;
  const r = PlatformConfigSchema.safeParse(raw);
  if (!r.success) {
    const all = r.error.issues.map((i) => `  - ${i.path.join('.') || '(config)'}: ${i.message}`).join('\n');
    throw new OswError('OSW_CONFIG_INVALID', `the platform configuration has ${r.error.issues.length} problem(s):\n${all}`);
  }
  const config = r.data;
  // a relative SQLite file or web root is relative to the config file
  const base = path.dirname(path.resolve(file));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  if (config.dbFile) config.dbFile = abs(config.dbFile);
  if (config.store && !/^postgres(ql)?:\/\//i.test(config.store)) config.store = abs(config.store);
  if (config.webRoot) config.webRoot = abs(config.webRoot);
  if (config.amqp.caFile) config.amqp.caFile = abs(config.amqp.caFile);
  return config;
}

export function platformCommands(program: Command): void {
  const platform = program
    .command('platform')
    .description('the platform on its own: exchange, sandbox, REST API (several instances may share PostgreSQL and RabbitMQ)');
  platform
    .command('config')
    .description('print the effective configuration (defaults < file < environment) as YAML, secrets [REDACTED]')
    .requiredOption('--config <file>', 'platform configuration (YAML or JSON)')
    .action((o: { config: string }) => {
      try {
        process.stdout.write(YAML.stringify(redactedPlatformConfig(loadPlatformConfig(o.config, process.env))));
      } catch (err) {
        process.stderr.write(`osw: ${(err as Error).message}\n`);
        process.exit(2);
      }
    });
  platform
    .command('start')
    .description('run one platform instance from a configuration file (store: SQLite file or postgres://…, exchange: http or amqp://…)')
    .requiredOption('--config <file>', 'platform configuration (YAML or JSON)')
    .option(
      '--role <role>',
      'all (default): everything; api: exchange, REST API, console, pushes, no sandbox worker; sandbox: only the sandbox worker',
    )
    .option('--log-level <level>', 'pino level', 'info')
    .action(async (o: { config: string; logLevel: string; role?: string }) => {
      let config: ReturnType<typeof loadPlatformConfig>;
      try {
        config = loadPlatformConfig(o.config, process.env, { role: o.role });
      } catch (err) {
        process.stderr.write(`osw: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const logger = pino({ level: o.logLevel, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } });
      const running = await startPlatform(config, logger);
      process.stdout.write(
        `platform listening on ${running.url}\n` +
          `  role: ${running.role}${running.role === 'api' ? ' (no sandbox worker: run one with --role sandbox)' : running.role === 'sandbox' ? ' (sandbox worker only; GET /api/v1/health)' : ''}\n` +
          `  store: ${config.store ? hidePassword(config.store) : config.dbFile}\n` +
          `  alerts: ${config.alerts.enabled ? `every ${config.alerts.tickMs / 1000} s, mail ${config.alerts.smtp ? describeSmtp(config.alerts.smtp) : 'off (no alerts.smtp)'}` : 'off'}\n` +
          (running.role === 'sandbox'
            ? ''
            : `  exchange: HTTP ${running.url}/exchange/v1${config.exchange === 'http' ? '' : ` and RabbitMQ ${hidePassword(config.exchange)}`}\n`),
      );
      stopOnSignals({ stopping: 'finishing imports in flight… (again to force)', stop: () => running.close() });
    });
}
