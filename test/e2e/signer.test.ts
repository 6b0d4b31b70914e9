/**
 * `osw signer` (the network signer, 加密机) with a real platform and real import clients: the card's
 * key stays with the signer, the client signs over HTTPS, the platform verifies the SM2 signature;
 * and every refusal — token, card not allowed, body too large, a certificate the client's CA does not
 * vouch for, the PIN rules, a signer that is down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  addSignerClient,
  addSignerKey,
  initSigner,
  loadClientConfig,
  parseClientConfig,
  redactedConfig,
  readCardFile,
  selfSignedCertificate,
  startClient,
  startSigner,
  writeSignerConfigFile,
  readSignerConfigFile,
  type ClientConfigInput,
  type RunningClient,
  type RunningSigner,
} from '@osw/client';
import { decSignature, parseDecImportResponse, parseFailureRoot, verifyDecMessage } from '@osw/messages';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';
import { platformWorld, silent, type World } from '../support/platform-world.js';

const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');
const example = readFileSync(path.join(EXAMPLES, 'declaration.xml'));

function osw(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OSW, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** one HTTPS request to the signer: status and JSON answer */
function call(
  url: string,
  opts: { method?: string; token?: string; body?: string | Buffer; ca?: string | Buffer; cert?: string; key?: string } = {},
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: opts.method ?? 'GET',
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      agent: false,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) } : {}),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
    });
    req.end(opts.body);
  });
}

const boxes = (cfg: ClientConfigInput) => {
  const root = path.join(cfg.impPath, 'DecCus001');
  return {
    outBox: path.join(root, 'OutBox'),
    sentBox: path.join(root, 'SentBox'),
    failBox: path.join(root, 'FailBox'),
    inBox: path.join(root, 'InBox'),
  };
};

const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);

describe('osw signer (加密机)', () => {
  let t: ReturnType<typeof tempDir>;
  let w: World;
  let signer: RunningSigner;
  let signerConfig: string;
  let caFile: string;
  let brokerCardNo: string;
  let ownerCardNo: string;
  let brokerToken: string;
  const logLines: string[] = [];
  const running: RunningClient[] = [];
  const children: ChildProcess[] = [];

  const start = async (cfg: ClientConfigInput) => {
    const c = await startClient(cfg, { logger: silent, lockDir: path.join(t.dir, 'locks') });
    running.push(c);
    return c;
  };
  /** a client of the broker's enterprise that signs with the signer instead of a card file */
  const signerClient = (
    name: string,
    signerOver: Record<string, unknown> = {},
    over: Partial<ClientConfigInput> = {},
  ): ClientConfigInput => ({
    ...w.config(over, name),
    card: undefined,
    signer: { url: signer.url, token: brokerToken, caFile, cardNo: brokerCardNo, pin: w.broker.pin, retryForMs: 2_000, ...signerOver },
  });
  const failure = async (cfg: ClientConfigInput, name: string) => {
    const b = boxes(cfg);
    const f = await waitFor(() => filesBelow(b.inBox).find((x) => x.startsWith(`Failed_${name}_`)), `Failed_${name}_`);
    await waitFor(() => filesBelow(b.failBox).length >= 1, 'the file in FailBox');
    return parseFailureRoot(readFileSync(path.join(b.inBox, f), 'utf8'));
  };

  beforeAll(async () => {
    t = tempDir('osw-signer-');
    w = await platformWorld(t.dir);
    brokerCardNo = (await readCardFile(w.broker.cardFile)).cardNo;
    ownerCardNo = (await readCardFile(w.owner.cardFile)).cardNo;
    signerConfig = path.join(t.dir, 'signer', 'signer.json');
    await initSigner(signerConfig, { port: 0 });
    await addSignerKey(signerConfig, w.broker.cardFile);
    await addSignerKey(signerConfig, w.owner.cardFile);
    brokerToken = (await addSignerClient(signerConfig, 'broker-erp', [brokerCardNo])).token!;
    // a small body limit, to show the refusal without sending megabytes
    await writeSignerConfigFile(signerConfig, { ...readSignerConfigFile(signerConfig), maxBodyBytes: 64 * 1024 });
    caFile = path.join(t.dir, 'signer', 'tls-cert.pem');
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    signer = await startSigner(signerConfig, { logger: pino({ level: 'info' }, sink) });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await signer?.close();
    await w?.stop();
    t?.cleanup();
  });

  it('osw signer init, add-key, add-client and serve: a client signing with the signer sends a declaration the platform verifies and accepts', async () => {
    const dir = path.join(t.dir, 'cli-signer');
    const cfgFile = path.join(dir, 'signer.json');
    const init = await osw(['signer', 'init', '--config', cfgFile, '--port', '0']);
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    const key = await osw(['signer', 'add-key', '--config', cfgFile, '--card-file', w.broker.cardFile]);
    expect(key.status).toBe(0);
    const tokenFile = path.join(t.dir, 'cli-token');
    const client = await osw([
      'signer',
      'add-client',
      '--config',
      cfgFile,
      '--name',
      'erp01',
      '--card-no',
      brokerCardNo,
      '--token-file',
      tokenFile,
    ]);
    expect(client.stderr).toBe('');
    expect(client.status).toBe(0);
    // every secret file is its owner's only; the token is kept as a hash
    for (const f of [
      cfgFile,
      path.join(dir, 'tls-key.pem'),
      path.join(dir, 'tls-cert.pem'),
      path.join(dir, 'keys', `card-${brokerCardNo}.json`),
      tokenFile,
    ])
      expect(mode(f)).toBe('600');
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^osws_/);
    expect(readFileSync(cfgFile, 'utf8')).not.toContain(token);
    // a second client by mutual TLS: its key and certificate are made for it, 0600
    const prefix = path.join(t.dir, 'erp02');
    const mtls = await osw([
      'signer',
      'add-client',
      '--config',
      cfgFile,
      '--name',
      'erp02',
      '--card-no',
      brokerCardNo,
      '--make-client-cert',
      prefix,
    ]);
    expect(mtls.status, mtls.stderr).toBe(0);
    for (const f of [`${prefix}-key.pem`, `${prefix}-cert.pem`]) expect(mode(f)).toBe('600');
    const list = await osw(['signer', 'list', '--config', cfgFile]);
    expect(list.stdout).toContain(`erp01  ${brokerCardNo}  (token)`);
    expect(list.stdout).toContain(`erp02  ${brokerCardNo}  (TLS client certificate)`);

    const serve = spawn(process.execPath, [OSW, 'signer', 'serve', '--config', cfgFile, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(serve);
    let out = '';
    serve.stdout.on('data', (d) => (out += d));
    const url = await waitFor(() => /signer listening on (https:\/\/\S+)/.exec(out)?.[1], 'the signer listening', 30_000);

    const cfg: ClientConfigInput = {
      ...w.config({}, 'cli-signed'),
      card: undefined,
      signer: { url, tokenFile, caFile: path.join(dir, 'tls-cert.pem'), cardNo: brokerCardNo, pin: w.broker.pin },
    };
    // 测试连接 checks the signer too: it answers with the card
    const cfgFile2 = path.join(t.dir, 'cli-signed.json');
    writeFileSync(cfgFile2, JSON.stringify(cfg), { mode: 0o600 });
    const probe = await osw(['client', 'test-connection', '--config', cfgFile2]);
    expect(probe.stdout).toContain(`加密机连接成功 signer OK: ${url}, card ${brokerCardNo}`);
    expect(probe.status).toBe(0);
    const c = await start(cfg);
    expect(c.snapshot().card).toMatchObject({ state: 'ok', cardNo: brokerCardNo });
    const b = boxes(cfg);
    writeFileSync(path.join(b.outBox, 'signed.xml'), withClientSeqNo(example));
    const ok = await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_signed_')), 'Successed_', 30_000);
    expect(parseDecImportResponse(readFileSync(path.join(b.inBox, ok), 'utf8')).responseCode).toBe('0');
    // what was sent carries the card's number and a signature that verifies with the card's public key
    const sent = await waitFor(() => filesBelow(b.sentBox)[0], 'the signed file in SentBox');
    const xml = readFileSync(path.join(b.sentBox, sent), 'utf8');
    expect(xml).toContain(`<ICCode>${brokerCardNo}</ICCode>`);
    expect(decSignature(xml)).not.toBe('');
    expect(verifyDecMessage(xml, (await readCardFile(w.broker.cardFile)).publicKeyPem)).toBe(true);
    // the signer logs the request by client and card, never the token or the PIN
    await waitFor(() => out.includes('"outcome":"signed"'), 'the signer log line');
    expect(out).toContain('"client":"erp01"');
    expect(out).not.toContain(token);
    expect(out).not.toContain(w.broker.pin);
  }, 180_000);

  it('the card info: GET /v1/cards/<cardNo> answers the number and certificate, never the key; /v1/cards lists only the allowed cards', async () => {
    const one = await call(`${signer.url}/v1/cards/${brokerCardNo}`, { token: brokerToken, ca: readFileSync(caFile) });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ cardNo: brokerCardNo, enterpriseCode: '4403980001', locked: false, triesLeft: 5 });
    expect(one.json.certificate).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(one.json)).not.toContain('PRIVATE KEY');
    const all = await call(`${signer.url}/v1/cards`, { token: brokerToken, ca: readFileSync(caFile) });
    expect(all.json.cards.map((c: { cardNo: string }) => c.cardNo)).toEqual([brokerCardNo]);
  });

  it('a wrong token is refused with 401 OSW_SIGNER_TOKEN_INVALID, and the client files Failed_ C915 saying so', async () => {
    const ca = readFileSync(caFile);
    for (const token of [undefined, 'osws_' + 'A'.repeat(43), brokerToken + 'x']) {
      const r = await call(`${signer.url}/v1/cards/${brokerCardNo}/sign`, {
        method: 'POST',
        token,
        ca,
        body: JSON.stringify({ data: 'AAAA', pin: '12345678' }),
      });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('OSW_SIGNER_TOKEN_INVALID');
    }
    const cfg = signerClient('wrong-token', { token: 'osws_' + 'B'.repeat(43) });
    await start(cfg);
    writeFileSync(path.join(boxes(cfg).outBox, 'a.xml'), withClientSeqNo(example));
    const root = await failure(cfg, 'a');
    expect(root.failCode).toBe('C915');
    expect(root.failInfo).toContain('OSW_SIGNER_TOKEN_INVALID');
  });

  it('a card the client is not allowed (held or not) is refused with 403 OSW_SIGNER_KEY_NOT_ALLOWED; the client files Failed_ C915', async () => {
    const ca = readFileSync(caFile);
    for (const cardNo of [ownerCardNo, '8950000099999']) {
      const info = await call(`${signer.url}/v1/cards/${cardNo}`, { token: brokerToken, ca });
      expect(info.status).toBe(403);
      expect(info.json.error.code).toBe('OSW_SIGNER_KEY_NOT_ALLOWED');
      const sign = await call(`${signer.url}/v1/cards/${cardNo}/sign`, {
        method: 'POST',
        token: brokerToken,
        ca,
        body: JSON.stringify({ data: 'AAAA', pin: '12345678' }),
      });
      expect(sign.status).toBe(403);
      expect(sign.json.error.code).toBe('OSW_SIGNER_KEY_NOT_ALLOWED');
    }
    const cfg = signerClient('not-allowed', { cardNo: ownerCardNo });
    await start(cfg);
    writeFileSync(path.join(boxes(cfg).outBox, 'a.xml'), withClientSeqNo(example));
    const root = await failure(cfg, 'a');
    expect(root.failCode).toBe('C915');
    expect(root.failInfo).toContain('OSW_SIGNER_KEY_NOT_ALLOWED');
    expect(logLines.join('')).toContain('"outcome":"OSW_SIGNER_KEY_NOT_ALLOWED"');
  });

  it('a body over maxBodyBytes is refused with 413 before it is parsed; without a token it is not read at all (401)', async () => {
    const ca = readFileSync(caFile);
    const big = JSON.stringify({ data: Buffer.alloc(100 * 1024).toString('base64'), pin: '12345678' });
    const r = await call(`${signer.url}/v1/cards/${brokerCardNo}/sign`, { method: 'POST', token: brokerToken, ca, body: big });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('OSW_HTTP_FST_ERR_CTP_BODY_TOO_LARGE');
    const anonymous = await call(`${signer.url}/v1/cards/${brokerCardNo}/sign`, { method: 'POST', ca, body: big });
    expect(anonymous.status).toBe(401);
    // a body that is not a signature request
    const bad = await call(`${signer.url}/v1/cards/${brokerCardNo}/sign`, {
      method: 'POST',
      token: brokerToken,
      ca,
      body: JSON.stringify({ data: '***' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('OSW_VALIDATION');
    // nothing of the secrets reached the log
    const log = logLines.join('');
    expect(log).not.toContain(brokerToken);
    expect(log).not.toContain('12345678');
  });

  it("a signer whose certificate the client's CA does not vouch for is refused: Failed_ C915 at once, saying the certificate is not trusted", async () => {
    const otherCa = path.join(t.dir, 'other-ca.pem');
    writeFileSync(otherCa, selfSignedCertificate({ names: ['127.0.0.1', 'localhost'] }).certPem);
    const cfg = signerClient('wrong-ca', { caFile: otherCa, retryForMs: 60_000 });
    await start(cfg);
    const started = Date.now();
    writeFileSync(path.join(boxes(cfg).outBox, 'a.xml'), withClientSeqNo(example));
    const root = await failure(cfg, 'a');
    expect(root.failCode).toBe('C915');
    expect(root.failInfo).toContain('证书不受信任');
    // not retried for a minute: a certificate does not become trusted by waiting
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a wrong PIN is counted on the signer (C134, 还可以重试4次), the same PIN is not tried again, and five wrong PINs lock the card (C910)', async () => {
    // a signer of its own holding a copy of the broker's card, so that the count does not touch the others
    const dir = path.join(t.dir, 'pin-signer');
    const cfgFile = path.join(dir, 'signer.json');
    await initSigner(cfgFile, { port: 0 });
    await addSignerKey(cfgFile, w.broker.cardFile);
    const token = (await addSignerClient(cfgFile, 'pin-erp', [brokerCardNo])).token!;
    const own = await startSigner(cfgFile);
    try {
      const cfg: ClientConfigInput = {
        ...w.config({}, 'wrong-pin'),
        card: undefined,
        signer: { url: own.url, token, caFile: path.join(dir, 'tls-cert.pem'), cardNo: brokerCardNo, pin: '99999999' },
      };
      await start(cfg);
      const b = boxes(cfg);
      for (const n of ['a', 'b', 'c']) writeFileSync(path.join(b.outBox, `${n}.xml`), withClientSeqNo(example));
      await waitFor(() => filesBelow(b.inBox).filter((x) => x.startsWith('Failed_')).length === 3, 'three Failed_');
      for (const f of filesBelow(b.inBox)) {
        const root = parseFailureRoot(readFileSync(path.join(b.inBox, f), 'utf8'));
        expect(root.failCode).toBe('C134');
        expect(root.failInfo).toContain('还可以重试4次');
      }
      expect((await readCardFile(path.join(dir, 'keys', `card-${brokerCardNo}.json`))).triesLeft).toBe(4);
      expect(running[0].snapshot().card).toMatchObject({ state: 'pin-wrong' });
      // the API says the same: 403 OSW_CARD_PIN_WRONG, failCode C134
      const r = await call(`${own.url}/v1/cards/${brokerCardNo}/sign`, {
        method: 'POST',
        token,
        ca: readFileSync(path.join(dir, 'tls-cert.pem')),
        body: JSON.stringify({ data: 'AAAA', pin: '99999999' }),
      });
      expect(r.status).toBe(403);
      expect(r.json.error).toMatchObject({ code: 'OSW_CARD_PIN_WRONG', failCode: 'C134' });
      // the card's own file, not the client's copy, counts
      expect((await readCardFile(w.broker.cardFile)).triesLeft).toBe(5);
      // four more wrong PINs lock the card for every client; then the right PIN is refused too
      const ca = readFileSync(path.join(dir, 'tls-cert.pem'));
      const sign = (pin: string) =>
        call(`${own.url}/v1/cards/${brokerCardNo}/sign`, { method: 'POST', token, ca, body: JSON.stringify({ data: 'AAAA', pin }) });
      for (const pin of ['11111111', '22222222', '33333333']) expect((await sign(pin)).json.error.failCode).toBe('C134');
      const last = await sign('44444444');
      expect(last.json.error).toMatchObject({ code: 'OSW_CARD_PIN_WRONG', failCode: 'C134' });
      expect(last.json.error.message).toContain('已锁定');
      const right = await sign(w.broker.pin);
      expect(right.status).toBe(423);
      expect(right.json.error).toMatchObject({ code: 'OSW_CARD_LOCKED', failCode: 'C910' });
      expect((await readCardFile(path.join(dir, 'keys', `card-${brokerCardNo}.json`))).locked).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('a signer that is down: the file waits and is signed and sent once the signer is back; down for longer than retryForMs → Failed_ C915 saying it cannot be reached', async () => {
    const dir = path.join(t.dir, 'down-signer');
    const cfgFile = path.join(dir, 'signer.json');
    await initSigner(cfgFile, { port: 0 });
    await addSignerKey(cfgFile, w.broker.cardFile);
    const token = (await addSignerClient(cfgFile, 'down-erp', [brokerCardNo])).token!;
    let own = await startSigner(cfgFile);
    const port = own.port;
    const cfg: ClientConfigInput = {
      ...w.config({}, 'signer-down'),
      card: undefined,
      signer: { url: own.url, token, caFile: path.join(dir, 'tls-cert.pem'), cardNo: brokerCardNo, pin: w.broker.pin, retryForMs: 30_000 },
    };
    await start(cfg);
    await own.close();
    const b = boxes(cfg);
    writeFileSync(path.join(b.outBox, 'wait.xml'), withClientSeqNo(example));
    await new Promise((r) => setTimeout(r, 1500));
    // waiting, not failed
    expect(filesBelow(b.inBox)).toEqual([]);
    expect(filesBelow(b.failBox)).toEqual([]);
    expect(running[0].snapshot().card).toMatchObject({ state: 'signer-unreachable' });
    own = await startSigner(cfgFile, { port });
    try {
      const ok = await waitFor(
        () => filesBelow(b.inBox).find((f) => f.startsWith('Successed_wait_')),
        'Successed_ after the signer is back',
        30_000,
      );
      expect(parseDecImportResponse(readFileSync(path.join(b.inBox, ok), 'utf8')).responseCode).toBe('0');
    } finally {
      await own.close();
    }
    // now down for good, with a short window
    const short = {
      ...cfg,
      impPath: path.join(t.dir, 'signer-down-short', 'ImpPath'),
      signer: { ...cfg.signer!, url: `https://127.0.0.1:${port}`, retryForMs: 1_000 },
    };
    await Promise.all(running.splice(0).map((c) => c.stop(0)));
    await start(short);
    writeFileSync(path.join(boxes(short).outBox, 'gone.xml'), withClientSeqNo(example));
    const root = await failure(short, 'gone');
    expect(root.failCode).toBe('C915');
    expect(root.failInfo).toContain('无法连接');
    expect(root.failInfo).toContain('ECONNREFUSED');
  }, 90_000);

  it('mutual TLS instead of a token: a client proves itself by its certificate (pinned by SHA-256) and sends a signed declaration; an unknown certificate gets 401', async () => {
    const dir = path.join(t.dir, 'mtls-signer');
    const cfgFile = path.join(dir, 'signer.json');
    await initSigner(cfgFile, { port: 0 });
    await addSignerKey(cfgFile, w.broker.cardFile);
    const mine = selfSignedCertificate({ names: ['erp-mtls'], commonName: 'erp-mtls', purpose: 'client' });
    const keyFile = path.join(t.dir, 'mtls-key.pem');
    const certFile = path.join(t.dir, 'mtls-cert.pem');
    writeFileSync(keyFile, mine.keyPem, { mode: 0o600 });
    writeFileSync(certFile, mine.certPem, { mode: 0o600 });
    expect(await addSignerClient(cfgFile, 'erp-mtls', [brokerCardNo], { clientCertPem: mine.certPem })).toEqual({});
    expect(readSignerConfigFile(cfgFile).clients[0]).toMatchObject({
      name: 'erp-mtls',
      certSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const own = await startSigner(cfgFile);
    try {
      const ca = readFileSync(path.join(dir, 'tls-cert.pem'));
      const cfg: ClientConfigInput = {
        ...w.config({}, 'mtls'),
        card: undefined,
        signer: { url: own.url, certFile, keyFile, caFile: path.join(dir, 'tls-cert.pem'), cardNo: brokerCardNo, pin: w.broker.pin },
      };
      await start(cfg);
      const b = boxes(cfg);
      writeFileSync(path.join(b.outBox, 'mtls.xml'), withClientSeqNo(example));
      const ok = await waitFor(() => filesBelow(b.inBox).find((f) => f.startsWith('Successed_mtls_')), 'Successed_', 30_000);
      expect(parseDecImportResponse(readFileSync(path.join(b.inBox, ok), 'utf8')).responseCode).toBe('0');
      // another certificate, or none and no token: refused before anything is read
      const stranger = selfSignedCertificate({ names: ['stranger'], purpose: 'client' });
      const refused = await call(`${own.url}/v1/cards/${brokerCardNo}`, { ca, cert: stranger.certPem, key: stranger.keyPem });
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('OSW_SIGNER_TOKEN_INVALID');
      expect((await call(`${own.url}/v1/cards/${brokerCardNo}`, { ca })).status).toBe(401);
      expect((await call(`${own.url}/v1/cards/${brokerCardNo}`, { ca, cert: mine.certPem, key: mine.keyPem })).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('the client config: card and signer together, an http:// signer, or no token are refused, every problem at once', () => {
    const base = { ...w.config({}, 'cfg'), signer: { url: 'http://127.0.0.1:1', cardNo: brokerCardNo } };
    expect(() => parseClientConfig(base)).toThrow(
      /signer\.url: the signer url is https:\/\/host:port[\s\S]*signer\.token: give the signer token, tokenFile, or certFile and keyFile[\s\S]*give card \(a card file\) or signer/,
    );
  });

  it('the client config: relative signer files are relative to it, OSW_CLIENT_SIGNER_TOKEN replaces the token file, and the token and PIN are redacted', () => {
    const file = path.join(t.dir, 'cfg-env', 'osw-client.yaml');
    mkdirSync(path.dirname(file), { recursive: true });
    const body = {
      ...w.config({}, 'cfg-env'),
      card: undefined,
      signer: { url: 'https://127.0.0.1:17443', tokenFile: 'erp.token', caFile: 'ca.pem', cardNo: brokerCardNo },
    };
    writeFileSync(file, JSON.stringify(body));
    const fromFile = loadClientConfig(file, {});
    expect(fromFile.signer).toMatchObject({
      tokenFile: path.join(t.dir, 'cfg-env', 'erp.token'),
      caFile: path.join(t.dir, 'cfg-env', 'ca.pem'),
    });
    const fromEnv = loadClientConfig(file, { OSW_CLIENT_SIGNER_TOKEN: 'osws_secret-token', OSW_CLIENT_SIGNER_PIN: '87654321' });
    expect(fromEnv.signer).toMatchObject({ token: 'osws_secret-token', pin: '87654321' });
    expect(fromEnv.signer?.tokenFile).toBeUndefined();
    const shown = JSON.stringify(redactedConfig(fromEnv));
    expect(shown).not.toContain('osws_secret-token');
    expect(shown).not.toContain('87654321');
  });

  it('serve refuses a TLS key or a config that others may read, and the client a token file others may read (OSW_SIGNER_FILE_EXPOSED)', async () => {
    const tokenFile = path.join(t.dir, 'exposed-token');
    writeFileSync(tokenFile, brokerToken + '\n', { mode: 0o644 });
    await fs.chmod(tokenFile, 0o644);
    await expect(
      start({ ...signerClient('exposed-token'), signer: { url: signer.url, tokenFile, caFile, cardNo: brokerCardNo } }),
    ).rejects.toMatchObject({
      code: 'OSW_SIGNER_FILE_EXPOSED',
    });
    const dir = path.join(t.dir, 'exposed');
    const cfgFile = path.join(dir, 'signer.json');
    await initSigner(cfgFile, { port: 0 });
    await fs.chmod(path.join(dir, 'tls-key.pem'), 0o644);
    await expect(startSigner(cfgFile)).rejects.toMatchObject({ code: 'OSW_SIGNER_FILE_EXPOSED' });
    await fs.chmod(path.join(dir, 'tls-key.pem'), 0o600);
    await fs.chmod(cfgFile, 0o640);
    await expect(startSigner(cfgFile)).rejects.toMatchObject({ code: 'OSW_SIGNER_FILE_EXPOSED' });
  });
});
