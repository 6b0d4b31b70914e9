/**
 * The status page answers its own page and the CLI, never another web site the user has open:
 * cross-site switches (a form post, a no-cors fetch) are refused and change nothing, a foreign Host
 * (DNS rebinding) is refused for reads and writes, and a password, when set, is asked for.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hashStatusPagePassword,
  loadClientConfig,
  parseClientConfig,
  redactedConfig,
  startStatusPage,
  STATUS_PAGE_REQUEST_HEADER,
  type StatusControl,
  type StatusPageOptions,
  type StatusSnapshot,
} from '../src/index.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../test/helpers.js';

function control(): StatusControl & { calls: [string, boolean][]; paused: boolean } {
  const c = {
    calls: [] as [string, boolean][],
    paused: false,
    snapshot: (): StatusSnapshot => ({
      clientId: 'DXPESW5300000001',
      environment: 'test',
      startedAt: '2026-11-21T02:00:00.000Z',
      connection: { state: 'ok', since: null, lastError: null },
      card: { state: 'ok', cardNo: '8950000000009' },
      received: { files: 0, resends: 0, duplicatesDropped: 0, rejected: 0 },
      businesses: [
        {
          type: 'declaration',
          name: '货物申报',
          bizId: 'DecCus001',
          enabled: true,
          paused: c.paused,
          outBoxBacklog: 0,
          queued: 0,
          inFlight: 0,
          sentToday: 0,
          failedToday: 0,
          lastError: null,
        },
      ],
    }),
    setPaused(bizId: string, paused: boolean) {
      c.calls.push([bizId, paused]);
      c.paused = paused;
      return bizId === 'DecCus001';
    },
  };
  return c;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so that Host, Origin and Sec-Fetch-* stand as a browser would send them. */
function request(url: string, method: string, pathName: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, method, path: pathName, headers: { host: u.host, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const json = (a: Answer) => JSON.parse(a.body) as { error?: { code: string; message: string } };

describe('status page', () => {
  const pages: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()));
  });
  const start = async (c: StatusControl, over: Partial<StatusPageOptions> = {}) => {
    const p = await startStatusPage(c, { host: '127.0.0.1', port: 0, ...over });
    pages.push(p);
    return p.url;
  };

  it('refuses a cross-site form post and a no-cors fetch with 403, and nothing changes', async () => {
    const c = control();
    const url = await start(c);
    // <form method=post action=http://127.0.0.1:17080/api/businesses/DecCus001/pause> on another site
    const form = await request(
      url,
      'POST',
      '/api/businesses/DecCus001/pause',
      {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        referer: 'https://evil.example/page.html',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
      },
      'x=1',
    );
    expect(form.status).toBe(403);
    expect(json(form).error?.code).toBe('OSW_STATUS_CROSS_SITE');
    // fetch(url, { method: 'POST', mode: 'no-cors', body: 'x' }) from another site: text/plain, no custom header possible
    const noCors = await request(
      url,
      'POST',
      '/api/businesses/DecCus001/pause',
      {
        'content-type': 'text/plain;charset=UTF-8',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'no-cors',
      },
      'x',
    );
    expect(noCors.status).toBe(403);
    // an old browser that sends no Origin: still no custom header, so still refused
    expect((await request(url, 'POST', '/api/businesses/DecCus001/pause', { 'content-type': 'text/plain' }, 'x')).status).toBe(403);
    // a page in a sandboxed frame or a file:// page says Origin: null
    const nullOrigin = await request(url, 'POST', '/api/businesses/DecCus001/pause', { origin: 'null', [STATUS_PAGE_REQUEST_HEADER]: 'x' });
    expect(nullOrigin.status).toBe(403);
    // the header with a foreign Origin (only possible after a CORS preflight, which is refused)
    const foreign = await request(url, 'POST', '/api/businesses/DecCus001/pause', {
      origin: 'https://evil.example',
      [STATUS_PAGE_REQUEST_HEADER]: 'x',
    });
    expect(foreign.status).toBe(403);
    const preflight = await request(url, 'OPTIONS', '/api/businesses/DecCus001/pause', {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': STATUS_PAGE_REQUEST_HEADER,
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(c.calls).toEqual([]);
    expect(c.paused).toBe(false);
  });

  it('refuses a request for another host name (DNS rebinding) with 421, reads and writes alike', async () => {
    const c = control();
    const url = await start(c);
    const port = new URL(url).port;
    for (const [method, p, headers] of [
      ['GET', '/', {}],
      ['GET', '/api/status', {}],
      ['POST', '/api/businesses/DecCus001/pause', { origin: `http://evil.example:${port}`, [STATUS_PAGE_REQUEST_HEADER]: 'page' }],
    ] as const) {
      const a = await request(url, method, p, { host: `evil.example:${port}`, ...headers });
      expect(a.status, `${method} ${p}`).toBe(421);
      expect(json(a).error?.code).toBe('OSW_STATUS_HOST_REFUSED');
      expect(a.body).not.toContain('DXPESW5300000001');
    }
    expect((await request(url, 'GET', '/', { host: 'evil.example' })).status).toBe(421);
    expect(c.calls).toEqual([]);
  });

  it("answers its own page, the page's own switch and the CLI; localhost and [::1] are names of this page", async () => {
    const c = control();
    const url = await start(c);
    const port = new URL(url).port;
    const pageAnswer = await request(url, 'GET', '/');
    expect(pageAnswer.status).toBe(200);
    expect(pageAnswer.body).toContain('导入监控');
    expect(pageAnswer.body).toContain(`'${STATUS_PAGE_REQUEST_HEADER}': 'page'`);
    expect(pageAnswer.body).toContain('data-action="/api/businesses/DecCus001/pause"');
    expect(pageAnswer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(pageAnswer.headers['x-frame-options']).toBe('DENY');
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(pageAnswer.headers['content-security-policy']))![1];
    expect(pageAnswer.body).toContain(`<script nonce="${nonce}">`);
    // what the page's script sends: Origin and Referer of the page itself, the header, same-origin
    const own = await request(url, 'POST', '/api/businesses/DecCus001/pause', {
      origin: url,
      referer: `${url}/`,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
      [STATUS_PAGE_REQUEST_HEADER]: 'page',
    });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ bizId: 'DecCus001', paused: true });
    // what `osw client resume` sends: the header, no Origin
    expect((await request(url, 'POST', '/api/businesses/DecCus001/resume', { [STATUS_PAGE_REQUEST_HEADER]: 'cli' })).status).toBe(200);
    expect(c.calls).toEqual([
      ['DecCus001', true],
      ['DecCus001', false],
    ]);
    // the page opened as http://localhost:<port>
    const local = await request(url, 'POST', '/api/businesses/DecCus001/pause', {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
      [STATUS_PAGE_REQUEST_HEADER]: 'page',
    });
    expect(local.status).toBe(200);
    expect((await request(url, 'GET', '/api/status', { host: `[::1]:${port}` })).status).toBe(200);
    expect((await request(url, 'GET', '/api/status', { host: `LOCALHOST.:${port}` })).status).toBe(200);
  });

  it('shows times in China time (yyyy-MM-dd HH:mm:ss), while the JSON keeps ISO instants', async () => {
    const c = control();
    const base = c.snapshot;
    c.snapshot = () => {
      const s = base();
      s.businesses[0].lastError = { at: '2026-11-21T17:30:05.000Z', file: 'bad.xml', message: '[C18] refused' };
      return s;
    };
    const url = await start(c);
    const page = await request(url, 'GET', '/');
    expect(page.status).toBe(200);
    // started 02:00 UTC is 10:00 in Beijing; the error at 17:30 UTC is the next day there
    expect(page.body).toContain('2026-11-21 10:00:00');
    expect(page.body).toContain('2026-11-22 01:30:05');
    expect(page.body).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    const api = JSON.parse((await request(url, 'GET', '/api/status')).body) as StatusSnapshot;
    expect(api.startedAt).toBe('2026-11-21T02:00:00.000Z');
  });

  it('answers other host names only when configured (statusPage.allowedHosts)', async () => {
    const url = await start(control(), { allowedHosts: ['osw-box.lan'] });
    const port = new URL(url).port;
    expect((await request(url, 'GET', '/api/status', { host: `osw-box.lan:${port}` })).status).toBe(200);
    expect((await request(url, 'GET', '/api/status', { host: `localhost:${port}` })).status).toBe(421);
    // the address it listens on is always a name of the page
    expect((await request(url, 'GET', '/api/status', { host: `127.0.0.1:${port}` })).status).toBe(200);
  });

  it('with a password (stored hashed, or from the environment) asks for it by HTTP Basic', async () => {
    const passwordHash = await hashStatusPagePassword('correct horse battery');
    expect(passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(passwordHash).not.toContain('correct horse');
    const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`osw:${pw}`).toString('base64')}` });
    for (const over of [{ passwordHash }, { password: 'correct horse battery' }]) {
      const c = control();
      const url = await start(c, over);
      const none = await request(url, 'GET', '/');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(json(none).error?.code).toBe('OSW_STATUS_PASSWORD');
      expect(none.body).not.toContain('DXPESW5300000001');
      expect((await request(url, 'GET', '/api/status', basic('wrong password'))).status).toBe(401);
      const writeWrong = await request(url, 'POST', '/api/businesses/DecCus001/pause', {
        [STATUS_PAGE_REQUEST_HEADER]: 'cli',
        ...basic('nope'),
      });
      expect(writeWrong.status).toBe(401);
      expect(c.calls).toEqual([]);
      expect((await request(url, 'GET', '/', basic('correct horse battery'))).status).toBe(200);
      expect((await request(url, 'GET', '/api/status', basic('correct horse battery'))).status).toBe(200);
      const write = await request(url, 'POST', '/api/businesses/DecCus001/pause', {
        [STATUS_PAGE_REQUEST_HEADER]: 'page',
        origin: url,
        ...basic('correct horse battery'),
      });
      expect(write.status).toBe(200);
      // the password does not make a cross-site switch acceptable
      const cross = await request(url, 'POST', '/api/businesses/DecCus001/resume', {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
        ...basic('correct horse battery'),
      });
      expect(cross.status).toBe(403);
      expect(c.calls).toEqual([['DecCus001', true]]);
    }
  });

  it('config: allowed hosts default to 127.0.0.1, localhost, ::1; the password comes hashed from the file or from the environment, and is redacted', () => {
    const base = { clientId: 'DXPESW5300000001', platform: { url: 'http://127.0.0.1:1', secret: 's' }, impPath: '/imp' };
    expect(parseClientConfig(base).statusPage).toEqual({
      enabled: true,
      host: '127.0.0.1',
      port: 17080,
      allowedHosts: ['127.0.0.1', 'localhost', '::1'],
    });
    expect(parseClientConfig({ ...base, statusPage: { port: 0 } }).statusPage.allowedHosts).toEqual(['127.0.0.1', 'localhost', '::1']);
    expect(() => parseClientConfig({ ...base, statusPage: { passwordHash: 'plain-text' } })).toThrow(/passwordHash/);
    const t = tempDir('osw-status-config-');
    try {
      const file = path.join(t.dir, 'osw-client.yaml');
      writeFileSync(
        file,
        `clientId: DXPESW5300000001\nplatform: { url: "http://127.0.0.1:1", secret: s }\nimpPath: imp\nstatusPage: { password: "in the file" }\n`,
      );
      expect(() => loadClientConfig(file, {})).toThrow(/statusPage\.password: not in the file/);
      writeFileSync(file, `clientId: DXPESW5300000001\nplatform: { url: "http://127.0.0.1:1", secret: s }\nimpPath: imp\n`);
      const cfg = loadClientConfig(file, { OSW_CLIENT_STATUS_PASSWORD: 'from the environment' });
      expect(cfg.statusPage.password).toBe('from the environment');
      expect(JSON.stringify(redactedConfig(cfg))).not.toContain('from the environment');
    } finally {
      t.cleanup();
    }
  });
});
