/**
 * Secrets at rest: webhook secrets (which sign each push, so cannot be hashed) are sealed with the
 * platform's secret key on every engine; the key file is made mode 600 beside a SQLite file.
 */
import crypto from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { eachEngine, type TestDatabase } from '../../../test/support/engines.js';
import { openPostgresStore } from '../src/adapters/postgres/open.js';
import { openSqliteStore, type OpenedStore } from '../src/adapters/sqlite/open.js';
import { silentLogger } from '../src/core/ports.js';
import type { WebhookEndpointRow } from '../src/core/store.js';
import { readOrCreateSecretKey, startPlatform } from '../src/main.js';

const SECRET = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
const endpoint: Omit<WebhookEndpointRow, 'id'> = {
  enterpriseCode: '4403960002',
  subscriptionKind: 'declaration',
  subscriptionId: 1,
  url: 'https://hooks.example.com/osw',
  secret: SECRET,
  createdAt: '2026-11-21T02:00:00.000Z',
  disabledAt: null,
};

describe.each(eachEngine())('webhook secrets at rest on $name', (engine) => {
  let db: TestDatabase;
  const opened: OpenedStore[] = [];
  const open = async (secretKey?: Buffer) => {
    const o =
      engine.name === 'postgres' ? await openPostgresStore(db.location, { secretKey }) : await openSqliteStore(db.location, { secretKey });
    opened.push(o);
    if (!(await o.store.identity.getEnterprise(endpoint.enterpriseCode)))
      await o.store.identity.insertEnterprise({
        customsCode: endpoint.enterpriseCode,
        uscc: '91440300MA5F8K3L7P',
        name: '华南',
        region: '5300',
        createdAt: endpoint.createdAt,
      });
    return o;
  };
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    await db?.drop();
  });

  it('are stored sealed (AES-256-GCM) and read back open', async () => {
    db = await engine.create();
    const key = crypto.randomBytes(32);
    const s = await open(key);
    const id = await s.store.webhooks.insert(endpoint);
    const raw = await s.db.selectFrom('webhookEndpoints').select('secret').where('id', '=', id).executeTakeFirstOrThrow();
    expect(raw.secret).toMatch(/^enc:v1:/);
    expect(raw.secret).not.toContain(SECRET.slice(6));
    expect((await s.store.webhooks.get(id))?.secret).toBe(SECRET);
    expect((await s.store.webhooks.list(endpoint.enterpriseCode))[0].secret).toBe(SECRET);
    // another key opens nothing
    const other = await open(crypto.randomBytes(32));
    await expect(other.store.webhooks.get(id)).rejects.toThrow(/secret key/);
  });

  it('a rotated secret is stored sealed too; disable and enable keep it', async () => {
    db = await engine.create();
    const s = await open(crypto.randomBytes(32));
    const id = await s.store.webhooks.insert(endpoint);
    const rotated = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
    await s.store.webhooks.setSecret(id, rotated);
    const raw = await s.db.selectFrom('webhookEndpoints').select('secret').where('id', '=', id).executeTakeFirstOrThrow();
    expect(raw.secret).toMatch(/^enc:v1:/);
    expect(raw.secret).not.toContain(rotated.slice(6));
    expect((await s.store.webhooks.get(id))?.secret).toBe(rotated);
    expect(await s.store.webhooks.disable(id, endpoint.createdAt)).toBe(true);
    expect(await s.store.webhooks.forSubscriptions(endpoint.subscriptionKind, [endpoint.subscriptionId])).toEqual([]);
    expect(await s.store.webhooks.enable(id)).toBe(true);
    expect(await s.store.webhooks.enable(id)).toBe(false);
    const back = await s.store.webhooks.forSubscriptions(endpoint.subscriptionKind, [endpoint.subscriptionId]);
    expect(back.map((w) => [w.id, w.secret, w.disabledAt])).toEqual([[id, rotated, null]]);
  });

  it('secrets written before there was a key are sealed when the platform opens the store with one', async () => {
    db = await engine.create();
    const before = await open();
    const id = await before.store.webhooks.insert(endpoint);
    expect((await before.db.selectFrom('webhookEndpoints').select('secret').executeTakeFirstOrThrow()).secret).toBe(SECRET);
    const keyed = await open(crypto.randomBytes(32));
    expect(await keyed.store.webhooks.sealStoredSecrets()).toBe(1);
    expect((await keyed.db.selectFrom('webhookEndpoints').select('secret').executeTakeFirstOrThrow()).secret).toMatch(/^enc:v1:/);
    expect((await keyed.store.webhooks.get(id))?.secret).toBe(SECRET);
    expect(await keyed.store.webhooks.sealStoredSecrets()).toBe(0);
  });
});

describe('the platform secret key', () => {
  it('is created once, mode 600, and read back the same', async () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'keys', 'secret.key');
      const key = await readOrCreateSecretKey(file);
      expect(key).toHaveLength(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(await readOrCreateSecretKey(file)).toEqual(key);
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(key);
    } finally {
      t.cleanup();
    }
  });

  it('sits beside the SQLite file of a platform that names none', async () => {
    const t = tempDir();
    const p = await startPlatform({ dbFile: path.join(t.dir, 'platform.db'), port: 0, role: 'api' }, silentLogger);
    try {
      expect(statSync(path.join(t.dir, 'secret.key')).mode & 0o777).toBe(0o600);
    } finally {
      await p.close();
      t.cleanup();
    }
  });
});
