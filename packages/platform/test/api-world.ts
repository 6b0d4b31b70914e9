/** A platform for API tests: two enterprises like the demo's, their cards and clients, a manual, a fake clock. */
import { OutboxSmsSender } from '../src/adapters/sms/outbox.js';
import { HttpWebhookPort } from '../src/adapters/push/webhook-http.js';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../test/helpers.js';
import { InProcessNotifier } from '../src/adapters/memory-notifier.js';
import { openSqliteStore, type OpenedStore } from '../src/adapters/sqlite/open.js';
import { build, type AppOptions } from '../src/api/app.js';
import { createEnterprise, createOperator, issueCard, login } from '../src/core/identity/registry.js';
import { registerClient } from '../src/core/clients/registry.js';
import { silentLogger, type PlatformDeps } from '../src/core/ports.js';
import { DeclarationSandbox } from '../src/core/sandbox/declarations.js';

export const BROKER = '4403980001';
export const OWNER = '4403960002';
export const MANUAL_NO = 'E53002600001';
export const LEGAL_PIN = '88888888';
export const OPERATOR_PIN = '12345678';

export interface Party {
  code: string;
  account: string;
  password: string;
  token: string;
  legalCard: string;
  operatorCard: string;
  clientId: string;
  secret: string;
}

export interface ApiWorld {
  deps: PlatformDeps;
  opened: OpenedStore;
  app: Awaited<ReturnType<typeof build>>;
  broker: Party;
  owner: Party;
  /** the fake clock */
  now(): Date;
  setNow(iso: string): void;
  advance(ms: number): void;
  call(
    party: Party | null,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  legal(p: Party): { cardNo: string; pin: string };
  operator(p: Party): { cardNo: string; pin: string };
  close(): Promise<void>;
}

/** 2026-11-21 10:00 China time */
export const START = '2026-11-21T02:00:00.000Z';

interface Template {
  file: string;
  parties: Party[];
}

let template: Promise<Template> | undefined;

/** Seeds the two enterprises once per test file (scrypt and SM2 keys are slow) and copies the database per test. */
function seededTemplate(): Promise<Template> {
  template ??= (async () => {
    const t = tempDir('osw-api-template-');
    process.once('exit', t.cleanup);
    const file = path.join(t.dir, 'template.db');
    const opened = await openSqliteStore(file);
    const deps = { store: opened.store, clock: { now: () => new Date(START) } };
    const parties: Party[] = [];
    for (const [code, uscc, name, account, password, operatorCode] of [
      [BROKER, '91440300MA5G0B1X2K', '深圳市前海通关报关有限公司', 'broker01', 'osw-demo-broker', 'QH0030'],
      [OWNER, '91440300MA5F8K3L7P', '深圳市华南进出口贸易有限公司', 'owner01', 'osw-demo-owner', 'QH0031'],
    ]) {
      await createEnterprise(deps, { customsCode: code, uscc, name, region: '5300' });
      await createOperator(deps, { account, password, enterpriseCode: code, name, operatorCode });
      const legal = await issueCard(deps, { enterpriseCode: code, kind: 'legal', pin: LEGAL_PIN });
      const op = await issueCard(deps, { enterpriseCode: code, kind: 'operator', pin: OPERATOR_PIN, holderAccount: account });
      const c = await registerClient(deps, { enterpriseCode: code, region: '5300', transport: 'http', environment: 'test' });
      const { token } = await login(deps, account, password);
      parties.push({
        code,
        account,
        password,
        token,
        legalCard: legal.cardNo,
        operatorCard: op.cardNo,
        clientId: c.clientId,
        secret: c.secret,
      });
    }
    const items = [
      ...Array.from({ length: 30 }, (_, i) => ({
        manualNo: MANUAL_NO,
        kind: 'img' as const,
        serial: i + 1,
        code: '8541000000',
        name: `料件${i + 1}`,
        model: '-',
        unit: '007',
        quantity: '1000',
      })),
      ...Array.from({ length: 12 }, (_, i) => ({
        manualNo: MANUAL_NO,
        kind: 'exg' as const,
        serial: i + 1,
        code: '8517000000',
        name: `成品${i + 1}`,
        model: '-',
        unit: '007',
        quantity: '500',
      })),
    ];
    await opened.store.manuals.insert(
      {
        manualNo: MANUAL_NO,
        enterpriseCode: OWNER,
        head: { manualNo: MANUAL_NO, tradeCode: OWNER, processingCode: OWNER, manualType: 'E' },
        version: 1,
        createdAt: START,
      },
      items,
    );
    await opened.close();
    return { file, parties };
  })();
  return template;
}

export async function apiWorld(
  opts: Partial<AppOptions> & {
    /** the alert routes' evaluator, made from the world's deps (its clock) */
    alertsFor?: (deps: PlatformDeps) => AppOptions['alerts'];
  } = {},
): Promise<ApiWorld> {
  const { alertsFor, ...appOpts } = opts;
  const tpl = await seededTemplate();
  const t = tempDir();
  copyFileSync(tpl.file, path.join(t.dir, 'p.db'));
  const opened = await openSqliteStore(path.join(t.dir, 'p.db'));
  let now = new Date(START);
  const deps: PlatformDeps = { store: opened.store, clock: { now: () => now }, logger: silentLogger, notifier: new InProcessNotifier() };
  const parties = tpl.parties.map((p) => ({ ...p }));
  const issuedAt = new Map<Party, number>(parties.map((p) => [p, now.getTime()]));
  const app = await build({
    deps,
    customs: new DeclarationSandbox({ paceMs: 1000 }),
    sms: new OutboxSmsSender(deps),
    webhook: new HttpWebhookPort(),
    failedLoginDelayMs: 0,
    alerts: alertsFor?.(deps),
    ...appOpts,
  });
  const call: ApiWorld['call'] = async (party, method, url, payload, headers = {}) => {
    // sessions last 12 hours: tests that move the clock far log in again
    if (party && now.getTime() - (issuedAt.get(party) ?? 0) > 11 * 3600_000) {
      party.token = (await login(deps, party.account, party.password)).token;
      issuedAt.set(party, now.getTime());
    }
    const res = await app.inject({
      method,
      url,
      payload: payload as object | string | undefined,
      headers: { ...(party ? { authorization: `Bearer ${party.token}` } : {}), ...headers },
    });
    let body: any = res.body;
    try {
      body = res.json();
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body, headers: res.headers };
  };
  return {
    deps,
    opened,
    app,
    broker: parties[0],
    owner: parties[1],
    now: () => now,
    setNow: (iso) => (now = new Date(iso)),
    advance: (ms) => (now = new Date(now.getTime() + ms)),
    call,
    legal: (p) => ({ cardNo: p.legalCard, pin: LEGAL_PIN }),
    operator: (p) => ({ cardNo: p.operatorCard, pin: OPERATOR_PIN }),
    async close() {
      await app.close();
      await opened.close();
      t.cleanup();
    },
  };
}
