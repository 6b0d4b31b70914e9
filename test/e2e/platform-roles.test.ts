/**
 * The sandbox as its own process: a platform instance with `role: api` imports declarations and
 * serves clients but runs no sandbox worker; `osw platform start --role sandbox` on the same
 * PostgreSQL database issues the receipts, which the API instance hands to the client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFingerprint, openCardKey, parseDecImportResponse, parseDecResult, signDecMessage } from '@osw/messages';
import { startPlatform, type RunningPlatform } from '../../packages/platform/src/main.js';
import { createEnterprise, issueCard } from '../../packages/platform/src/core/identity/registry.js';
import { registerClient } from '../../packages/platform/src/core/clients/registry.js';
import { loadPlatformConfig } from '../../packages/cli/src/platform-commands.js';
import { createPostgresDatabase, PG_URL, type TestDatabase } from '../support/engines.js';
import { silent } from '../support/platform-world.js';
import { EXAMPLES, tempDir, waitFor } from '../helpers.js';

const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');

describe('platform configuration: role', () => {
  const t = tempDir('osw-roles-config-');
  afterAll(() => t.cleanup());

  it('is `all` by default; the file, OSW_PLATFORM_ROLE and --role set it in that order; anything else is refused', () => {
    const file = path.join(t.dir, 'platform.yaml');
    writeFileSync(file, 'store: p.db\nrole: api\namqp:\n  caFile: tls/ca.pem\n');
    expect(loadPlatformConfig(file, {}).role).toBe('api');
    expect(loadPlatformConfig(file, { OSW_PLATFORM_ROLE: 'sandbox' }).role).toBe('sandbox');
    expect(loadPlatformConfig(file, { OSW_PLATFORM_ROLE: 'sandbox' }, { role: 'all' }).role).toBe('all');
    expect(loadPlatformConfig(file, {}).amqp.caFile).toBe(path.join(t.dir, 'tls', 'ca.pem'));
    writeFileSync(file, 'store: p.db\n');
    expect(loadPlatformConfig(file, {}).role).toBe('all');
    expect(() => loadPlatformConfig(file, {}, { role: 'worker' })).toThrow(/role/);
  });
});

describe.skipIf(!PG_URL)('the sandbox as its own process', () => {
  const t = tempDir('osw-roles-');
  let db: TestDatabase;
  let api: RunningPlatform;
  let sandbox: ChildProcess | null = null;
  let out = '';

  beforeAll(async () => {
    db = await createPostgresDatabase();
    api = await startPlatform({ store: db.location, role: 'api', port: 0, sandboxPaceMs: 0, sandboxTickMs: 50 }, silent);
  });

  afterAll(async () => {
    if (sandbox && sandbox.exitCode === null) {
      const exited = new Promise((r) => sandbox!.once('exit', r));
      sandbox.kill('SIGKILL');
      await exited;
    }
    await api?.close();
    await db?.drop();
    t.cleanup();
  });

  it(
    'the API instance imports and queues the sandbox jobs; the sandbox process issues the receipts it hands out',
    { timeout: 180_000 },
    async () => {
      const deps = api.deps;
      await createEnterprise(deps, {
        customsCode: '4403980001',
        uscc: '91440300MA5G0B1X2K',
        name: '深圳市前海通关报关有限公司',
        region: '5300',
      });
      const card = await issueCard(deps, { enterpriseCode: '4403980001', kind: 'operator', pin: '12345678' });
      const client = await registerClient(deps, { enterpriseCode: '4403980001', region: '5300', transport: 'http', environment: 'test' });
      const signed = signDecMessage(readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8'), {
        privateKey: await openCardKey(card, '12345678'),
        cardNo: card.cardNo,
        certificate: keyFingerprint(card.publicKeyPem),
        signDate: '20261121100000000',
      });
      const auth = 'Basic ' + Buffer.from(`${client.clientId}:${client.secret}`).toString('base64');
      const sent = await fetch(`${api.url}/exchange/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/octet-stream',
          'x-osw-message-id': `${client.clientId}20261121100000000001`,
          'x-osw-file-name': 'declaration.xml',
          'x-osw-business': 'declaration',
        },
        body: Buffer.from(signed),
      });
      expect(sent.status).toBe(200);
      const answer = (await sent.json()) as { accepted: boolean; responseXml: string };
      expect(answer.accepted).toBe(true);
      const seqNo = parseDecImportResponse(answer.responseXml).seqNo!;

      // no sandbox worker here: the job waits in the store
      expect(await api.sandboxWorker.runDue()).toBe(0);
      expect((await deps.store.sandbox.dueJobs(new Date(Date.now() + 60_000).toISOString(), 100)).map((j) => j.documentKey)).toContain(
        seqNo,
      );
      expect(await deps.store.declarations.listReceipts(seqNo)).toEqual([]);

      // the sandbox on its own: same database, only the worker and a health check
      const cfg = path.join(t.dir, 'sandbox.yaml');
      writeFileSync(cfg, JSON.stringify({ store: db.location, port: 0, sandboxPaceMs: 0, sandboxTickMs: 50 }));
      sandbox = spawn(process.execPath, [OSW, 'platform', 'start', '--config', cfg, '--role', 'sandbox', '--log-level', 'warn'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      sandbox.stdout!.on('data', (d) => (out += d));
      sandbox.stderr!.on('data', (d) => (out += d));
      await waitFor(() => out.includes('platform listening'), `the sandbox process to start (${out})`, 90_000, 100);
      expect(out).toContain('role: sandbox');
      expect(out).not.toContain('exchange:');
      const url = /platform listening on (\S+)/.exec(out)![1];
      expect(await (await fetch(`${url}/api/v1/health`)).json()).toEqual({ status: 'ok', role: 'sandbox' });
      expect(
        (
          await fetch(`${url}/api/v1/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"account":"a","password":"b"}',
          })
        ).status,
      ).toBe(404);
      expect((await fetch(`${url}/exchange/v1/inbox`, { headers: { authorization: auth } })).status).toBe(404);

      // the API instance hands the sandbox's receipts to the client
      const channels: string[] = [];
      await waitFor(
        async () => {
          const r = await fetch(`${api.url}/exchange/v1/inbox?waitMs=1000&max=50`, { headers: { authorization: auth } });
          const { messages } = (await r.json()) as { messages: { deliveryId: number; body: string }[] };
          for (const m of messages) channels.push(parseDecResult(m.body).channel);
          if (messages.length)
            await fetch(`${api.url}/exchange/v1/inbox/ack`, {
              method: 'POST',
              headers: { authorization: auth, 'content-type': 'application/json' },
              body: JSON.stringify({ deliveryIds: messages.map((m) => m.deliveryId) }),
            });
          return channels.length >= 5;
        },
        'five receipts through the API instance',
        90_000,
        0,
      );
      expect(channels).toEqual(['7', 'L', 'J', 'P', 'R']);

      // a receipt issued by the sandbox process wakes a long poll waiting on the API instance (PostgreSQL NOTIFY),
      // well before the poll would run out
      const started = Date.now();
      const polling = fetch(`${api.url}/exchange/v1/inbox?waitMs=25000&max=50`, { headers: { authorization: auth } }).then(
        async (r) => (await r.json()) as { messages: { body: string }[] },
      );
      await new Promise((r) => setTimeout(r, 500));
      await deps.store.sandbox.insertJobs([
        {
          kind: 'declaration-receipt',
          documentKey: seqNo,
          payload: { channel: 'R', note: '补发结关回执' },
          dueAt: new Date().toISOString(),
        },
      ]);
      const woken = await polling;
      expect(woken.messages.map((m) => parseDecResult(m.body).channel)).toEqual(['R']);
      expect(Date.now() - started).toBeLessThan(15_000);

      // SIGTERM stops it gracefully
      const exited = new Promise<number | null>((r) => sandbox!.once('exit', (code) => r(code)));
      sandbox.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
  );
});
