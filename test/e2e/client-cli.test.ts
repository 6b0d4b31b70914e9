/** `osw client init | apply | test-connection | start | status | pause | resume` as a user runs them. */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCardFile, writeCardFile } from '@osw/client';
import { generateCardKeys } from '@osw/messages';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { tempDir, waitFor } from '../helpers.js';

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);
const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.js');
/** runs osw asynchronously: the platform answering it lives in this process */
function osw(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OSW, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('osw client commands', () => {
  let t: ReturnType<typeof tempDir>;
  let demo: RunningDemo;
  beforeAll(async () => {
    t = tempDir('osw-client-cli-');
    demo = await startDemo({ home: path.join(t.dir, 'demo'), port: 0, paceMs: 3_600_000, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await demo?.close();
    t?.cleanup();
  });

  it('init writes a commented config and the folders; apply registers the client and stores its credentials; test-connection passes', async () => {
    const cfg = path.join(t.dir, 'osw-client.yaml');
    const init = await osw(['client', 'init', '--config', cfg, '--platform-url', demo.contract.platformUrl, '--imp-path', 'ImpPath']);
    expect(init.status, init.stderr).toBe(0);
    const text = readFileSync(cfg, 'utf8');
    expect(text).toContain('# 卡/加密机设置');
    expect(existsSync(path.join(t.dir, 'ImpPath', 'DecCus001', 'OutBox'))).toBe(true);
    expect(existsSync(path.join(t.dir, 'ImpPath', 'Sas', 'InBox'))).toBe(true);
    expect((await osw(['client', 'init', '--config', cfg])).status).toBe(2); // no overwrite without --force
    expect(modeOf(cfg)).toBe('600'); // it will hold the transport password and the PIN
    chmodSync(cfg, 0o644); // as a user's editor may leave it

    const owner = demo.contract.accounts.find((a) => a.enterpriseCode === '4403960002')!;
    const legal = demo.contract.cards.find((c) => c.enterpriseCode === '4403960002' && c.kind === 'legal')!;
    const apply = await osw(['client', 'apply', '--config', cfg, '--account', owner.account, '--card-no', legal.cardNo], {
      OSW_PASSWORD: owner.password,
      OSW_CARD_PIN: legal.pin,
    });
    expect(apply.status, apply.stderr + apply.stdout).toBe(0);
    expect(apply.stdout).toContain('客户端申请成功');
    const doc = YAML.parse(readFileSync(cfg, 'utf8'));
    expect(doc.clientId).toMatch(/^DXPESW\d{10}$/);
    expect(doc.platform.secret.length).toBeGreaterThan(10);
    expect(readFileSync(cfg, 'utf8')).toContain('# 卡/加密机设置'); // comments kept
    expect(modeOf(cfg)).toBe('600'); // the secret is written into a new 0600 file, never into the 0644 one

    const test = await osw(['client', 'test-connection', '--config', cfg]);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('测试连接成功');
    expect(test.stdout).toMatch(/backlog waiting for this client: 0/);

    const wrong = await osw(['client', 'test-connection', '--config', cfg], { OSW_CLIENT_SECRET: 'not-the-secret' });
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('测试连接失败');
  });

  it('apply refuses a wrong card PIN with the tries left', async () => {
    const cfg = path.join(t.dir, 'second.yaml');
    await osw(['client', 'init', '--config', cfg, '--platform-url', demo.contract.platformUrl, '--imp-path', 'ImpPath2']);
    const owner = demo.contract.accounts.find((a) => a.enterpriseCode === '4403960002')!;
    const legal = demo.contract.cards.find((c) => c.enterpriseCode === '4403960002' && c.kind === 'legal')!;
    const r = await osw(['client', 'apply', '--config', cfg, '--account', owner.account, '--card-no', legal.cardNo, '--pin', '00000000'], {
      OSW_PASSWORD: owner.password,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('还可以重试');
  });

  it('IBM MQ as the transport is refused before any PIN is asked: apply sends nothing, start opens no card', async () => {
    const cfg = path.join(t.dir, 'ibmmq.yaml');
    await osw(['client', 'init', '--config', cfg, '--platform-url', demo.contract.platformUrl, '--imp-path', 'ImpPathMq']);
    const owner = demo.contract.accounts.find((a) => a.enterpriseCode === '4403960002')!;
    const legal = demo.contract.cards.find((c) => c.enterpriseCode === '4403960002' && c.kind === 'legal')!;
    // nothing listens on port 9: a login or a PIN sent would end in a network error, not in this refusal
    const apply = await osw(
      [
        'client',
        'apply',
        '--config',
        cfg,
        '--platform-url',
        'http://127.0.0.1:9',
        '--account',
        owner.account,
        '--card-no',
        legal.cardNo,
        '--pin',
        '00000000',
        '--transport',
        'ibmmq',
      ],
      { OSW_PASSWORD: owner.password },
    );
    expect(apply.status).toBe(2);
    expect(apply.stderr).toContain('[OSW_CLIENT_TRANSPORT_UNSUPPORTED]');
    expect(apply.stderr).toContain('暂不支持IBM MQ传输方式');
    expect(apply.stderr).toMatch(/supported transports are https .* and rabbitmq/);
    const unknown = await osw([
      'client',
      'apply',
      '--config',
      cfg,
      '--account',
      owner.account,
      '--card-no',
      legal.cardNo,
      '--transport',
      'ftp',
    ]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('the supported transports are https and rabbitmq');

    // start: the config chooses IBM MQ; the card file (wrong PIN in the config) is never opened
    const card = path.join(t.dir, 'mq-card.json');
    await writeCardFile(card, {
      cardNo: '8950000000009',
      kind: 'operator',
      enterpriseCode: '4403960002',
      ...(await generateCardKeys('12345678')),
    });
    const doc = YAML.parseDocument(readFileSync(cfg, 'utf8'));
    doc.set('clientId', 'DXPESW5300000099');
    doc.setIn(['platform', 'secret'], 'not-used');
    doc.setIn(['platform', 'transport'], 'IBM MQ');
    doc.set('card', { file: card, pin: '00000000' });
    writeFileSync(cfg, String(doc));
    const start = await osw(['client', 'start', '--config', cfg], { OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks') });
    expect(start.status).toBe(2);
    expect(start.stderr).toContain('[OSW_CLIENT_TRANSPORT_UNSUPPORTED]');
    expect(start.stderr).toContain('platform.transport: 暂不支持IBM MQ传输方式');
    expect((await readCardFile(card)).triesLeft).toBe(5);
    // an IBM MQ url is refused alike
    const byUrl = await osw(['client', 'test-connection', '--config', cfg], {
      OSW_CLIENT_PLATFORM_URL: 'wmq://mq.example:1414/QM1',
      OSW_CLIENT_TRANSPORT: 'https',
    });
    expect(byUrl.status).toBe(2);
    expect(byUrl.stderr).toContain('[OSW_CLIENT_TRANSPORT_UNSUPPORTED]');
  });

  it('start, status, pause and resume a running client; a bad config is refused with every problem', async () => {
    const bad = path.join(t.dir, 'bad.yaml');
    writeFileSync(bad, 'clientId: nope\nplatform:\n  url: ftp://x\nstableMs: -1\n');
    const r = await osw(['client', 'start', '--config', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/5 problem\(s\)/);
    for (const field of ['clientId', 'platform.url', 'platform.secret', 'impPath', 'stableMs']) expect(r.stderr).toContain(field);

    const cfg = path.join(t.dir, 'osw-client.yaml');
    const doc = YAML.parseDocument(readFileSync(cfg, 'utf8'));
    doc.setIn(['statusPage', 'port'], 17181);
    doc.set('stableMs', 100);
    writeFileSync(cfg, String(doc));
    const child = spawn(process.execPath, [OSW, 'client', 'start', '--config', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks') },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('status page'), 'the client to start', 30_000);
      expect(out).toContain('status page 导入监控: http://127.0.0.1:17181');
      const paused = await osw(['client', 'pause', 'DecCus001', '--config', cfg]);
      expect(paused.status, paused.stderr).toBe(0);
      const status = JSON.parse((await osw(['client', 'status', '--config', cfg, '--json'])).stdout);
      expect(status.businesses.find((b: { bizId: string }) => b.bizId === 'DecCus001').paused).toBe(true);
      expect((await osw(['client', 'resume', 'DecCus001', '--config', cfg])).status).toBe(0);
      expect((await osw(['client', 'pause', 'NoSuchBiz', '--config', cfg])).status).toBe(1);
      const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('status-password stores a hash; the page then asks for the password, and status|pause|resume give it from the environment', async () => {
    const cfg = path.join(t.dir, 'osw-client.yaml');
    const set = await osw(['client', 'status-password', '--config', cfg], { OSW_CLIENT_STATUS_PASSWORD: 'page password 1' });
    expect(set.status, set.stderr).toBe(0);
    const text = readFileSync(cfg, 'utf8');
    expect(text).toMatch(/passwordHash: scrypt\$/);
    expect(text).not.toContain('page password 1');
    expect(modeOf(cfg)).toBe('600');
    const child = spawn(process.execPath, [OSW, 'client', 'start', '--config', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks') },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('status page'), 'the client to start', 30_000);
      const without = await osw(['client', 'pause', 'DecCus001', '--config', cfg]);
      expect(without.status).toBe(1);
      expect(without.stderr).toContain('[OSW_STATUS_PASSWORD]');
      expect(without.stderr).toContain('OSW_CLIENT_STATUS_PASSWORD');
      expect((await fetch('http://127.0.0.1:17181/api/status')).status).toBe(401);
      const status = await osw(['client', 'status', '--config', cfg, '--json'], { OSW_CLIENT_STATUS_PASSWORD: 'page password 1' });
      expect(status.status, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).businesses.find((b: { bizId: string }) => b.bizId === 'DecCus001').paused).toBe(false);
      const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('start refuses a card file others may read, and says how to fix it', async () => {
    const cfg = path.join(t.dir, 'osw-client.yaml');
    const card = path.join(t.dir, 'open-card.json');
    writeFileSync(card, '{}', { mode: 0o644 });
    chmodSync(card, 0o644);
    const r = await osw(['client', 'start', '--config', cfg], {
      OSW_CLIENT_CARD_FILE: card,
      OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[OSW_CARD_FILE_EXPOSED]');
    expect(r.stderr).toContain(`chmod 600 "${card}"`);
  });
});
