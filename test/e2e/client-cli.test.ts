/** `osw client init | apply | test-connection | start | status | pause | resume | service` as a user runs them. */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import pino from 'pino';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCardFile, writeCardFile } from '@osw/client';
import { generateCardKeys } from '@osw/messages';
import { startDemo, type RunningDemo } from '../../packages/cli/src/demo.js';
import { tempDir, waitFor } from '../helpers.js';

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);
const OSW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/osw.cjs');
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

/** `key=value` lines of a systemd unit, by section; a key given twice keeps every value. */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) current = sections[head[1]] = {};
    else {
      const eq = line.indexOf('=');
      expect(eq, `not key=value: ${line}`).toBeGreaterThan(0);
      (current![line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
    }
  }
  return sections;
}

/** A systemd command line or path list: double-quoted words with `\\`, `\"` and `%%` unescaped. */
function unitWords(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]).replace(/\\(.)/g, '$1').replace(/%%/g, '%'));
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };
/** A plist's top dict, read from fast-xml-parser's ordered output (keys and values are siblings). */
function readPlist(text: string): Record<string, PlistValue> {
  const nodes = new XMLParser({ preserveOrder: true, ignoreDeclaration: true, commentPropName: '#comment' }).parse(text) as any[];
  const plist = nodes.find((n) => 'plist' in n).plist as any[];
  const value = (node: any): PlistValue => {
    const tag = Object.keys(node).find((k) => k !== ':@')!;
    const kids = node[tag] as any[];
    if (tag === 'string') return String(kids[0]?.['#text'] ?? '');
    if (tag === 'integer') return Number(kids[0]['#text']);
    if (tag === 'true' || tag === 'false') return tag === 'true';
    if (tag === 'array') return kids.map(value);
    if (tag === 'dict') {
      const out: Record<string, PlistValue> = {};
      for (let i = 0; i < kids.length; i += 2) {
        expect(Object.keys(kids[i])).toEqual(['key']);
        out[String(kids[i].key[0]['#text'])] = value(kids[i + 1]);
      }
      return out;
    }
    throw new Error(`unexpected plist element ${tag}`);
  };
  expect(plist).toHaveLength(1);
  return value(plist[0]) as Record<string, PlistValue>;
}

describe('osw client service', () => {
  let t: ReturnType<typeof tempDir>;
  const SECRET = 'transport-secret-Zq81';
  const PIN = '12345678';
  let cfg: string;
  let impPath: string;
  beforeAll(() => {
    t = tempDir('osw-client-service-');
    mkdirSync(path.join(t.dir, 'etc'), { recursive: true });
    impPath = path.join(t.dir, 'data', 'Imp Path'); // outside the config's folder, with a space
    mkdirSync(impPath, { recursive: true });
    cfg = path.join(t.dir, 'etc', 'osw-client.yaml');
    writeFileSync(
      cfg,
      YAML.stringify({
        clientId: 'DXPESW0000000042',
        environment: 'prod',
        platform: { url: 'https://osw.example.cn', secret: SECRET },
        impPath,
        card: { file: 'card.json', pin: PIN },
        shutdownGraceMs: 40_000,
      }),
      { mode: 0o600 },
    );
  });
  afterAll(() => t?.cleanup());

  it('install writes a systemd unit that runs this node and this osw with the config, restarts on failure and outlasts the grace', async () => {
    const out = path.join(t.dir, 'linux');
    const r = await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'linux', '--out', out, '--user', 'osw']);
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(out, 'osw-client-DXPESW0000000042.service');
    expect(modeOf(file)).toBe('644');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PIN);
    const unit = parseUnit(text);
    const s = unit.Service;
    expect(unitWords(s.ExecStart[0])).toEqual([process.execPath, realpathSync(OSW), 'client', 'start', '--config', cfg]);
    expect(s.Restart).toEqual(['on-failure']);
    expect(Number(s.RestartSec[0])).toBeGreaterThan(0);
    expect(s.KillSignal).toEqual(['SIGTERM']);
    expect(Number(s.TimeoutStopSec[0])).toBeGreaterThan(40); // shutdownGraceMs 40 s, then the process closes
    expect(s.WorkingDirectory).toEqual([path.dirname(cfg)]);
    expect(s.User).toEqual(['osw']);
    expect(s.NoNewPrivileges).toEqual(['yes']);
    expect(s.PrivateTmp).toEqual(['yes']);
    expect(s.ProtectSystem).toEqual(['full']);
    expect(unitWords(s.ReadWritePaths[0]).sort()).toEqual([impPath, path.dirname(cfg)].sort());
    expect(s.EnvironmentFile).toBeUndefined(); // the file holds the secret and the PIN: nothing to read from the environment
    for (const env of s.Environment ?? []) expect(env).not.toMatch(/SECRET|PIN|PASSWORD/);
    expect(unit.Install.WantedBy).toEqual(['multi-user.target']);
    expect(r.stdout).toContain(
      `sudo cp ${file} /etc/systemd/system/ && sudo systemctl daemon-reload && sudo systemctl enable --now osw-client-DXPESW0000000042`,
    );
  });

  it('the systemd unit passes systemd-analyze verify', async () => {
    const out = path.join(t.dir, 'verify');
    expect((await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'linux', '--out', out])).status).toBe(0);
    const file = path.join(out, 'osw-client-DXPESW0000000042.service');
    const verify = await new Promise<{ status: number | null; output: string }>((resolve) => {
      const child = spawn('systemd-analyze', ['verify', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.once('exit', (status) => resolve({ status, output }));
    });
    expect(verify.output).toBe(''); // systemd-analyze exits 0 on unknown keys and bad values but names them
    expect(verify.status).toBe(0);
  });

  it('a secret the config takes from the environment goes into a 0600 environment file left to fill, never into the unit', async () => {
    const envCfg = path.join(t.dir, 'etc', 'from-env.yaml');
    const doc = YAML.parse(readFileSync(cfg, 'utf8'));
    doc.platform.secret = '';
    doc.card.pin = '';
    writeFileSync(envCfg, YAML.stringify(doc), { mode: 0o600 });
    const out = path.join(t.dir, 'linux-env');
    const r = await osw(['client', 'service', 'install', '--config', envCfg, '--platform', 'linux', '--out', out], {
      OSW_CLIENT_SECRET: SECRET,
    });
    expect(r.status, r.stderr).toBe(0);
    const unitFile = path.join(out, 'osw-client-DXPESW0000000042.service');
    const envFile = path.join(out, 'osw-client-DXPESW0000000042.env');
    const text = readFileSync(unitFile, 'utf8');
    expect(parseUnit(text).Service.EnvironmentFile).toEqual([envFile]);
    expect(modeOf(envFile)).toBe('600');
    const env = readFileSync(envFile, 'utf8');
    expect(env).toMatch(/^OSW_CLIENT_SECRET=$/m);
    expect(env).toMatch(/^OSW_CLIENT_CARD_PIN=$/m); // the card has no PIN in the file either
    expect(text + env + r.stdout).not.toContain(SECRET);

    // a filled-in environment file survives a second install with --force
    writeFileSync(envFile, `OSW_CLIENT_SECRET=${SECRET}\n`);
    const again = await osw(['client', 'service', 'install', '--config', envCfg, '--platform', 'linux', '--out', out, '--force'], {
      OSW_CLIENT_SECRET: SECRET,
    });
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe(`OSW_CLIENT_SECRET=${SECRET}\n`);

    // uninstall removes the unit and keeps what the operator filled in
    const removed = await osw(['client', 'service', 'uninstall', '--config', envCfg, '--platform', 'linux', '--out', out], {
      OSW_CLIENT_SECRET: SECRET,
    });
    expect(removed.status, removed.stderr).toBe(0);
    expect(existsSync(unitFile)).toBe(false);
    expect(readFileSync(envFile, 'utf8')).toBe(`OSW_CLIENT_SECRET=${SECRET}\n`);
    expect(removed.stdout).toContain(`kept ${envFile}`);
  });

  it('install writes a well-formed launchd plist that keeps the client alive after a crash and logs under its log folder', async () => {
    const out = path.join(t.dir, 'macos');
    const r = await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'macos', '--out', out, '--user', 'osw']);
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(out, 'cn.osw.client.DXPESW0000000042.plist');
    expect(modeOf(file)).toBe('644');
    const text = readFileSync(file, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    expect(text).not.toContain(SECRET);
    const plist = readPlist(text);
    expect(plist.Label).toBe('cn.osw.client.DXPESW0000000042');
    expect(plist.ProgramArguments).toEqual([process.execPath, realpathSync(OSW), 'client', 'start', '--config', cfg]);
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false }); // restarted after a crash, not after a clean stop
    expect(plist.UserName).toBe('osw');
    expect(plist.WorkingDirectory).toBe(path.dirname(cfg));
    expect(plist.ExitTimeOut as number).toBeGreaterThan(40);
    const logDir = path.join(path.dirname(cfg), 'logs');
    expect(path.dirname(plist.StandardOutPath as string)).toBe(logDir);
    expect(path.dirname(plist.StandardErrorPath as string)).toBe(logDir);
    expect(r.stdout).toContain(`sudo launchctl bootstrap system /Library/LaunchDaemons/cn.osw.client.DXPESW0000000042.plist`);

    // with an environment file, a shell reads it and becomes the client: the plist still holds no secret
    const envOut = path.join(t.dir, 'macos-env');
    const withEnv = await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'macos', '--out', envOut], {
      OSW_CLIENT_CARD_PIN: PIN,
    });
    expect(withEnv.status, withEnv.stderr).toBe(0);
    const envText = readFileSync(path.join(envOut, 'cn.osw.client.DXPESW0000000042.plist'), 'utf8');
    expect(envText).not.toContain(PIN);
    const args = readPlist(envText).ProgramArguments as string[];
    expect(args.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(args[3]).toBe(path.join(envOut, 'cn.osw.client.DXPESW0000000042.env'));
    expect(args.slice(4)).toEqual([process.execPath, realpathSync(OSW), 'client', 'start', '--config', cfg]);
  });

  it('install writes a WinSW XML with node, the arguments, a stop timeout above the grace, restart on failure and rolled logs', async () => {
    const out = path.join(t.dir, 'windows');
    const r = await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'windows', '--out', out, '--name', 'osw-import']);
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(out, 'osw-import.xml');
    expect(modeOf(file)).toBe('644');
    const text = readFileSync(file, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    expect(text).not.toContain(SECRET);
    const { service } = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
    expect(service.id).toBe('osw-import');
    expect(service.executable).toBe(process.execPath);
    expect(service.arguments).toBe(`${realpathSync(OSW)} client start --config ${cfg}`);
    expect(service.workingdirectory).toBe(path.dirname(cfg));
    expect(Number(/^(\d+) sec$/.exec(service.stoptimeout)![1])).toBeGreaterThan(40);
    expect(service.onfailure).toEqual({ action: 'restart', delay: '10 sec' });
    expect(service.log.mode).toBe('roll');
    expect(r.stdout).toContain(`winsw install ${file}`);
  });

  it('install refuses a missing or invalid config with the errors of start, and an existing definition without --force', async () => {
    const missing = await osw(['client', 'service', 'install', '--config', path.join(t.dir, 'none.yaml'), '--out', t.dir]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('[OSW_CONFIG_INVALID] cannot read the client configuration');

    const bad = path.join(t.dir, 'bad.yaml');
    writeFileSync(bad, 'clientId: nope\nplatform:\n  url: ftp://x\nstableMs: -1\n');
    const r = await osw(['client', 'service', 'install', '--config', bad, '--out', t.dir]);
    const start = await osw(['client', 'start', '--config', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/5 problem\(s\)/);
    expect(r.stderr).toBe(start.stderr);

    const out = path.join(t.dir, 'twice');
    expect((await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'linux', '--out', out])).status).toBe(0);
    const file = path.join(out, 'osw-client-DXPESW0000000042.service');
    writeFileSync(file, '# edited by the operator\n');
    const twice = await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'linux', '--out', out]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('use --force');
    expect(readFileSync(file, 'utf8')).toBe('# edited by the operator\n');
    expect((await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'linux', '--out', out, '--force'])).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('ExecStart=');

    const platform = await osw(['client', 'service', 'install', '--config', cfg, '--platform', 'solaris', '--out', out]);
    expect(platform.status).toBe(2);
    expect(platform.stderr).toContain('linux, macos, windows');
  });

  it('uninstall removes the definition install wrote and prints how to stop and remove the service', async () => {
    for (const [platform, name, stop] of [
      ['linux', 'osw-client-DXPESW0000000042.service', 'sudo systemctl disable --now osw-client-DXPESW0000000042'],
      ['macos', 'cn.osw.client.DXPESW0000000042.plist', 'sudo launchctl bootout system/cn.osw.client.DXPESW0000000042'],
      ['windows', 'osw-client-DXPESW0000000042.xml', 'winsw stop'],
    ]) {
      const out = path.join(t.dir, `uninstall-${platform}`);
      expect((await osw(['client', 'service', 'install', '--config', cfg, '--platform', platform, '--out', out])).status).toBe(0);
      const file = path.join(out, name);
      expect(existsSync(file)).toBe(true);
      const r = await osw(['client', 'service', 'uninstall', '--config', cfg, '--platform', platform, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(stop);
      expect(existsSync(file)).toBe(false);
      const again = await osw(['client', 'service', 'uninstall', '--config', cfg, '--platform', platform, '--out', out]);
      expect(again.status).toBe(2);
      expect(again.stderr).toContain('nothing to remove');
    }
  });
});
