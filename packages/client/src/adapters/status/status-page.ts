/**
 * The local status page (导入监控), on 127.0.0.1 by default: per business the OutBox backlog, files
 * sent and failed today, the last error, tasks in flight and whether it is paused; the connection and
 * card state. `GET /` is the page (Chinese with English), `GET /api/status` the same as JSON,
 * `POST /api/businesses/<BizID>/pause|resume` the switches `osw client pause|resume` uses, `GET /metrics`
 * the client's metrics for Prometheus (metrics.ts).
 *
 * Other web pages the user has open must not use it (docs/client.md):
 * - every request must name an allowed host in `Host` (DNS rebinding: evil.example resolving to
 *   127.0.0.1 is answered 421, so another site can never read the page);
 * - a switch must carry the `X-Status-Page-Request` header, which no form and no no-cors fetch of
 *   another site can set (a CORS preflight for it is refused), and an `Origin`/`Referer`, when
 *   present, of this page itself; else 403;
 * - with a password (`statusPage.passwordHash` or `OSW_CLIENT_STATUS_PASSWORD`) every request asks
 *   for it by HTTP Basic;
 * - the page may not be framed, is not cached, and runs only its own script.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chinaDateTime, httpStatusOf, type OswCode } from '@osw/messages';

/** The header the page's own script and `osw client pause|resume` send with a switch. */
export const STATUS_PAGE_REQUEST_HEADER = 'x-status-page-request';
/** The host names the page answers unless configured otherwise. */
export const DEFAULT_STATUS_PAGE_HOSTS = ['127.0.0.1', 'localhost', '::1'];

export interface StatusPageOptions {
  host: string;
  port: number;
  /** the host names a request's `Host` header may name (the listening address is always one) */
  allowedHosts?: string[];
  /** `scrypt$N$r$p$salt$hash` (hashStatusPagePassword) */
  passwordHash?: string;
  /** the password itself (from the environment); wins over passwordHash */
  password?: string;
}

export interface StatusSnapshot {
  clientId: string;
  environment: string;
  startedAt: string;
  connection: { state: 'ok' | 'down' | 'unknown'; since: string | null; lastError: string | null };
  card: { state: string; cardNo?: string; triesLeft?: number; message?: string } | null;
  /** `rejected`: messages that could not be filed (poison), dead-lettered */
  received: { files: number; resends: number; duplicatesDropped: number; rejected: number };
  businesses: {
    type: string;
    name: string;
    bizId: string;
    enabled: boolean;
    paused: boolean;
    outBoxBacklog: number;
    queued: number;
    inFlight: number;
    sentToday: number;
    failedToday: number;
    lastError: { at: string; file: string; message: string } | null;
  }[];
}

export interface StatusControl {
  snapshot(): StatusSnapshot;
  setPaused(bizId: string, paused: boolean): boolean;
  /** Prometheus text (`GET /metrics`) */
  metrics?(): Promise<{ body: string; contentType: string }>;
}

/** An ISO instant of the snapshot as the page shows times: China time `yyyy-MM-dd HH:mm:ss` (the JSON keeps ISO). */
const shown = (iso: string | null | undefined) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? (iso ?? '-') : chinaDateTime(new Date(t));
};

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function page(s: StatusSnapshot, nonce: string): string {
  const rows = s.businesses
    .filter((b) => b.enabled)
    .map(
      (
        b,
      ) => `<tr><td>${esc(b.name)}<br><small>${esc(b.bizId)}</small></td><td>${b.paused ? '<b class="warn">已暂停 paused</b>' : '运行中 running'}</td>
<td>${b.outBoxBacklog}</td><td>${b.queued + b.inFlight}</td><td>${b.sentToday}</td><td>${b.failedToday}</td>
<td>${b.lastError ? `${esc(shown(b.lastError.at))}<br>${esc(b.lastError.file)}: ${esc(b.lastError.message)}` : '-'}</td>
<td><button data-action="/api/businesses/${esc(encodeURIComponent(b.bizId))}/${b.paused ? 'resume' : 'pause'}">${b.paused ? '启动 resume' : '暂停 pause'}</button></td></tr>`,
    )
    .join('\n');
  const conn =
    s.connection.state === 'ok'
      ? '已连接 connected'
      : s.connection.state === 'down'
        ? `<b class="warn">连接中断 down</b>${s.connection.since ? ` ${esc(shown(s.connection.since))}` : ''} ${esc(s.connection.lastError)}`
        : '未知 unknown';
  const card = s.card
    ? `${esc(s.card.cardNo ?? '')} ${esc(s.card.state)}${s.card.triesLeft !== undefined ? ` (还可重试 ${s.card.triesLeft} 次 tries left)` : ''} ${esc(s.card.message ?? '')}`
    : '未配置 not configured';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>导入客户端 ${esc(s.clientId)}</title><style>body{font-family:"PingFang SC","Microsoft YaHei",sans-serif;margin:20px;color:#1f2d3d}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px;font-size:13px;text-align:left}th{background:#eef2f7}.warn{color:#b00}</style></head>
<body><h2>导入监控 Import monitor · ${esc(s.clientId)} (${esc(s.environment)})</h2>
<p>平台连接 Connection: ${conn}<br>IC卡 Card: ${card}<br>已接收 Received: ${s.received.files} (重发 resends: ${s.received.resends}) · 丢弃重复 duplicates dropped: ${s.received.duplicatesDropped} · 无法归档 rejected: ${s.received.rejected}</p>
<table><tr><th>业务 Business</th><th>状态 State</th><th>待发送 OutBox</th><th>处理中 In flight</th><th>今日发送 Sent today</th><th>今日失败 Failed today</th><th>最近错误 Last error</th><th></th></tr>
${rows}</table><p><small>启动于 started ${esc(shown(s.startedAt))}（北京时间 China time） · JSON: <a href="/api/status">/api/status</a></small></p>
<script nonce="${nonce}">
document.addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  button.disabled = true;
  const res = await fetch(button.dataset.action, { method: 'POST', headers: { '${STATUS_PAGE_REQUEST_HEADER}': 'page' } });
  if (!res.ok) alert((await res.json().catch(() => null))?.error?.message ?? res.statusText);
  location.reload();
});
</script></body></html>`;
}

const STATUS_PASSWORD_KDF = { N: 2 ** 15, r: 8, p: 1 } as const;

function scrypt(secret: string, salt: Buffer, length: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const maxmem = 128 * o.N * o.r * o.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => crypto.scrypt(secret, salt, length, { ...o, maxmem }, (e, k) => (e ? reject(e) : resolve(k))));
}

/** The status page password as the config keeps it: `scrypt$N$r$p$<salt>$<hash>` (base64). */
export async function hashStatusPagePassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, STATUS_PASSWORD_KDF);
  const { N, r, p } = STATUS_PASSWORD_KDF;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export const STATUS_PASSWORD_HASH_PATTERN = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/;

async function passwordMatches(given: string, o: StatusPageOptions): Promise<boolean> {
  const sha = (x: string) => crypto.createHash('sha256').update(x).digest();
  if (o.password !== undefined) return crypto.timingSafeEqual(sha(given), sha(o.password));
  const [, n, r, p, salt, hash] = o.passwordHash!.split('$');
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(given, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return crypto.timingSafeEqual(actual, expected);
}

/** `::1` → `[::1]`: a host as it stands in a URL or a Host header. */
const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** The host name of a Host header (`name:port`, `[v6]:port`), lower case, without a trailing dot. */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

export async function startStatusPage(control: StatusControl, opts: StatusPageOptions): Promise<{ url: string; close(): Promise<void> }> {
  const allowed = new Set((opts.allowedHosts ?? DEFAULT_STATUS_PAGE_HOSTS).map((h) => hostName(urlHost(h))));
  if (!WILDCARD_HOSTS.has(opts.host)) allowed.add(hostName(urlHost(opts.host)));
  const protectedByPassword = opts.password !== undefined || opts.passwordHash !== undefined;
  /** SHA-256 of Authorization values already checked: the page refreshes every 5 s, scrypt runs once */
  const accepted = new Set<string>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const headers = {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
    };
    const json = (code: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(code, { ...headers, ...extra, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const fail = (code: OswCode, message: string, extra: Record<string, string> = {}) =>
      json(httpStatusOf(code), { error: { code, message } }, extra);

    // 1. the Host header: only the names this page is reached by (no DNS rebinding)
    const host = req.headers.host;
    if (!host || !allowed.has(hostName(host)))
      return fail(
        'OSW_STATUS_HOST_REFUSED',
        `the status page does not answer for host ${JSON.stringify(host ?? '')}; allowed: ${[...allowed].join(', ')} (statusPage.allowedHosts)`,
      );

    // 2. a switch must come from this page (or the CLI), never from another site
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    if (write) {
      const self = `http://${host.toLowerCase()}`;
      const origin = req.headers.origin;
      const referer = req.headers.referer;
      const site = req.headers['sec-fetch-site'];
      let refererOrigin: string | null = null;
      try {
        refererOrigin = referer ? new URL(referer).origin : null;
      } catch {
        refererOrigin = 'invalid';
      }
      const why =
        origin !== undefined && origin.toLowerCase() !== self
          ? `Origin ${origin} is not this page`
          : origin === undefined && refererOrigin !== null && refererOrigin !== self
            ? `Referer ${referer} is not this page`
            : site !== undefined && site !== 'same-origin' && site !== 'none'
              ? `Sec-Fetch-Site ${site}`
              : !req.headers[STATUS_PAGE_REQUEST_HEADER]
                ? `no ${STATUS_PAGE_REQUEST_HEADER} header`
                : null;
      if (why) return fail('OSW_STATUS_CROSS_SITE', `refused: a switch must come from the status page itself (${why})`);
    }

    // 3. the password, when there is one (HTTP Basic; any user name)
    if (protectedByPassword) {
      const auth = req.headers.authorization ?? '';
      const digest = crypto.createHash('sha256').update(auth).digest('hex');
      let ok = accepted.has(digest);
      if (!ok && /^basic /i.test(auth)) {
        const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        ok = colon >= 0 && (await passwordMatches(decoded.slice(colon + 1), opts));
        if (ok) {
          if (accepted.size >= 16) accepted.clear();
          accepted.add(digest);
        }
      }
      if (!ok)
        return fail(
          'OSW_STATUS_PASSWORD',
          'the status page asks for its password (user name: anything); `osw client status|pause|resume` read it from OSW_CLIENT_STATUS_PASSWORD',
          { 'www-authenticate': 'Basic realm="osw import client status page", charset="UTF-8"' },
        );
    }

    if (req.method === 'GET' && url.pathname === '/') {
      const nonce = crypto.randomBytes(16).toString('base64');
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
      });
      res.end(page(control.snapshot(), nonce));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/status') return json(200, control.snapshot());
    if (req.method === 'GET' && url.pathname === '/metrics' && control.metrics) {
      const { body, contentType } = await control.metrics();
      res.writeHead(200, { ...headers, 'content-type': contentType });
      res.end(body);
      return;
    }
    const m = /^\/api\/businesses\/([^/]+)\/(pause|resume)$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      let bizId: string;
      try {
        bizId = decodeURIComponent(m[1]);
      } catch {
        return fail('OSW_NOT_FOUND', `no enabled business ${m[1]}`);
      }
      const ok = control.setPaused(bizId, m[2] === 'pause');
      if (!ok) return fail('OSW_NOT_FOUND', `no enabled business ${bizId}`);
      return json(200, { bizId, paused: m[2] === 'pause' });
    }
    fail('OSW_NOT_FOUND', `no route ${req.method} ${url.pathname}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(WILDCARD_HOSTS.has(opts.host) ? '127.0.0.1' : opts.host)}:${addr.port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
