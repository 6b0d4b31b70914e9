/**
 * The local status page (导入监控) on 127.0.0.1: per business the OutBox backlog, files sent and
 * failed today, the last error, tasks in flight and whether it is paused; the connection and card
 * state. `GET /` is the page (Chinese with English), `GET /api/status` the same as JSON,
 * `POST /api/businesses/<BizID>/pause|resume` the switches `osw client pause|resume` uses.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStatusOf, type OswCode } from '@osw/messages';

export interface StatusSnapshot {
  clientId: string;
  environment: string;
  startedAt: string;
  connection: { state: 'ok' | 'down' | 'unknown'; since: string | null; lastError: string | null };
  card: { state: string; cardNo?: string; triesLeft?: number; message?: string } | null;
  /** `rejected`: messages that could not be filed (poison), dead-lettered */
  received: { files: number; duplicatesDropped: number; rejected: number };
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
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function page(s: StatusSnapshot): string {
  const rows = s.businesses
    .filter((b) => b.enabled)
    .map(
      (
        b,
      ) => `<tr><td>${esc(b.name)}<br><small>${esc(b.bizId)}</small></td><td>${b.paused ? '<b class="warn">已暂停 paused</b>' : '运行中 running'}</td>
<td>${b.outBoxBacklog}</td><td>${b.queued + b.inFlight}</td><td>${b.sentToday}</td><td>${b.failedToday}</td>
<td>${b.lastError ? `${esc(b.lastError.at)}<br>${esc(b.lastError.file)}: ${esc(b.lastError.message)}` : '-'}</td>
<td><form method="post" action="/api/businesses/${esc(b.bizId)}/${b.paused ? 'resume' : 'pause'}?redirect=1"><button>${b.paused ? '启动 resume' : '暂停 pause'}</button></form></td></tr>`,
    )
    .join('\n');
  const conn =
    s.connection.state === 'ok'
      ? '已连接 connected'
      : s.connection.state === 'down'
        ? `<b class="warn">连接中断 down</b> ${esc(s.connection.lastError)}`
        : '未知 unknown';
  const card = s.card
    ? `${esc(s.card.cardNo ?? '')} ${esc(s.card.state)}${s.card.triesLeft !== undefined ? ` (还可重试 ${s.card.triesLeft} 次 tries left)` : ''} ${esc(s.card.message ?? '')}`
    : '未配置 not configured';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>导入客户端 ${esc(s.clientId)}</title><style>body{font-family:"PingFang SC","Microsoft YaHei",sans-serif;margin:20px;color:#1f2d3d}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:4px 8px;font-size:13px;text-align:left}th{background:#eef2f7}.warn{color:#b00}</style></head>
<body><h2>导入监控 Import monitor · ${esc(s.clientId)} (${esc(s.environment)})</h2>
<p>平台连接 Connection: ${conn}<br>IC卡 Card: ${card}<br>已接收 Received: ${s.received.files} · 丢弃重复 duplicates dropped: ${s.received.duplicatesDropped} · 无法归档 rejected: ${s.received.rejected}</p>
<table><tr><th>业务 Business</th><th>状态 State</th><th>待发送 OutBox</th><th>处理中 In flight</th><th>今日发送 Sent today</th><th>今日失败 Failed today</th><th>最近错误 Last error</th><th></th></tr>
${rows}</table><p><small>启动于 started ${esc(s.startedAt)} · JSON: <a href="/api/status">/api/status</a></small></p></body></html>`;
}

export async function startStatusPage(
  control: StatusControl,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const notFound = (message: string) =>
      json(httpStatusOf('OSW_NOT_FOUND'), { error: { code: 'OSW_NOT_FOUND' satisfies OswCode, message } });
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(control.snapshot()));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/status') return json(200, control.snapshot());
    const m = /^\/api\/businesses\/([^/]+)\/(pause|resume)$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      const ok = control.setPaused(decodeURIComponent(m[1]), m[2] === 'pause');
      if (!ok) return notFound(`no enabled business ${m[1]}`);
      if (url.searchParams.get('redirect')) {
        res.writeHead(303, { location: '/' });
        res.end();
        return;
      }
      return json(200, { bizId: m[1], paused: m[2] === 'pause' });
    }
    notFound(`no route ${req.method} ${url.pathname}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
