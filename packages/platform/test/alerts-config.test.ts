/** The alerts part of the platform configuration: defaults, every problem reported, the SMTP password never shown. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../../cli/src/platform-commands.js';
import { PlatformConfigSchema, redactedPlatformConfig } from '../src/main.js';
import { describeSmtp } from '../src/adapters/mail/smtp.js';

describe('alerts configuration', () => {
  it('has defaults: every 60 s, offline after 30 minutes, reminders 30/7/1 days before, cleared alerts kept 90 days, no mail', () => {
    const c = PlatformConfigSchema.parse({ store: 'x.db' });
    expect(c.alerts).toEqual({
      enabled: true,
      tickMs: 60_000,
      offlineAfterMinutes: 30,
      subscriptionExpiryDays: [30, 7, 1],
      cardExpiryDays: [30, 7, 1],
      retentionDays: 90,
    });
  });

  it('reports every problem of alerts at once', () => {
    const r = PlatformConfigSchema.safeParse({
      store: 'x.db',
      alerts: { offlineAfterMinutes: -1, subscriptionExpiryDays: [], smtp: { port: 99999 } },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'alerts.offlineAfterMinutes',
        'alerts.subscriptionExpiryDays',
        'alerts.smtp.host',
        'alerts.smtp.port',
        'alerts.smtp.from',
      ]),
    );
  });

  it('shows the SMTP server without its password, in config output and in the log line; the password may come from the environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-alerts-config-'));
    try {
      const file = path.join(dir, 'platform.yaml');
      writeFileSync(
        file,
        'store: p.db\nalerts:\n  offlineAfterMinutes: 10\n  smtp:\n    host: mail.example.com\n    user: alerts\n    from: osw@example.com\n',
      );
      const config = loadPlatformConfig(file, { OSW_PLATFORM_SMTP_PASSWORD: 'from-the-env-secret' });
      expect(config.alerts.smtp).toMatchObject({ host: 'mail.example.com', port: 587, password: 'from-the-env-secret' });
      const shown = redactedPlatformConfig(config);
      expect(shown.alerts.smtp!.password).toBe('[REDACTED]');
      expect(JSON.stringify(shown)).not.toContain('from-the-env-secret');
      // the configuration itself is left as it was
      expect(config.alerts.smtp!.password).toBe('from-the-env-secret');
      expect(describeSmtp(config.alerts.smtp!)).toBe('smtp://alerts:[REDACTED]@mail.example.com:587');
      // `osw platform config` prints it so
      const osw = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/bin/osw.cjs');
      const r = spawnSync(process.execPath, [osw, 'platform', 'config', '--config', file], {
        encoding: 'utf8',
        env: { ...process.env, OSW_PLATFORM_SMTP_PASSWORD: 'from-the-env-secret' },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('password: "[REDACTED]"');
      expect(r.stdout).toContain('offlineAfterMinutes: 10');
      expect(r.stdout + r.stderr).not.toContain('from-the-env-secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
