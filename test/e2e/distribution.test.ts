/**
 * The client you install instead of clone (docs/client.md "Install without cloning"):
 * - `npm pack --workspaces` gives tarballs whose `osw` runs the compiled JavaScript, without tsx;
 * - the import client as one executable file (Node's single executable applications) for this machine.
 *
 * Every `npm test` runs the fast parts (about a minute): the tarballs are unpacked into an empty folder
 * whose third-party packages are the repository's own, linked (tsx not among them), and run from there;
 * the single executable is built and sends a file to a platform this test starts.
 * The real `npm install` of the tarballs from the registry takes minutes (better-sqlite3 compiles where
 * its prebuilt binary cannot be downloaded): it runs with OSW_TEST_DISTRIBUTION_INSTALL=1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformWorld, type World } from '../support/platform-world.js';
import { EXAMPLES, filesBelow, tempDir, waitFor, withClientSeqNo } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
/** the tarballs a user installs (npm pack --workspaces also packs the lint tooling, which nobody installs) */
const TARBALLS = ['osw', 'osw-messages', 'osw-client', 'osw-platform', 'osw-web'].map((n) => `${n}-${VERSION}.tgz`);
const FULL_INSTALL = process.env.OSW_TEST_DISTRIBUTION_INSTALL === '1';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** a long-running command: resolves once its output holds `ready`, then stops it with SIGINT and wants exit 0 */
async function runUntil(
  cmd: string,
  args: string[],
  ready: string,
  during: (out: string) => Promise<void>,
  env: Record<string, string> = {},
) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor(() => out.includes(ready), `"${ready}" from ${path.basename(cmd)} ${args[0]}`, 90_000);
    await during(out);
    child.kill('SIGINT');
    expect(await exited, out).toBe(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** `npm pack --workspaces` into dir, the JavaScript built first (the packages' prepack does the same) */
function pack(dir: string): void {
  // prepack scripts are skipped: the console's `vite build` would empty packages/web/dist, which the
  // browser tests serve at the same time; the console ships as built, or as its fallback page
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'messages', 'client', 'platform', 'cli', 'web'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(build.status, build.stderr).toBe(0);
  const packed = spawnSync('npm', ['pack', '--workspaces', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  expect(packed.status, packed.stderr).toBe(0);
}

/** the files in a tarball, without npm's `package/` prefix */
function listing(tgz: string): string[] {
  const r = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

/**
 * The tarballs unpacked into <app>/node_modules as npm installs them, next to links to the repository's
 * third-party packages, leaving out tsx (and the workspace links): what the installed osw would find.
 */
function unpackWithRepositoryPackages(tarballs: string, app: string): void {
  const nm = path.join(app, 'node_modules');
  mkdirSync(path.join(nm, '@osw'), { recursive: true });
  for (const tgz of TARBALLS) {
    const name = JSON.parse(
      spawnSync('tar', ['-xzOf', path.join(tarballs, tgz), 'package/package.json'], { encoding: 'utf8' }).stdout,
    ).name;
    const tmp = path.join(app, `unpack-${tgz}`);
    mkdirSync(tmp);
    expect(spawnSync('tar', ['-xzf', path.join(tarballs, tgz), '-C', tmp]).status).toBe(0);
    renameSync(path.join(tmp, 'package'), path.join(nm, name));
  }
  const repo = path.join(ROOT, 'node_modules');
  const skip = new Set(['osw', '@osw', 'tsx']);
  for (const entry of readdirSync(repo)) {
    if (skip.has(entry) || entry.startsWith('.')) continue; // .bin, .package-lock.json, caches
    if (entry.startsWith('@')) {
      mkdirSync(path.join(nm, entry), { recursive: true });
      for (const sub of readdirSync(path.join(repo, entry))) symlinkSync(path.join(repo, entry, sub), path.join(nm, entry, sub), 'dir');
    } else symlinkSync(path.join(repo, entry), path.join(nm, entry), 'dir');
  }
}

/** `osw --version`, `--help`, `client init` and a demo that starts, serves, and stops, from an installed osw */
async function installedOswRuns(osw: string, work: string): Promise<void> {
  const version = await run(process.execPath, [osw, '--version']);
  expect(version.status, version.stderr).toBe(0);
  expect(version.stdout.trim()).toBe(VERSION);
  const help = await run(process.execPath, [osw, '--help']);
  expect(help.status, help.stderr).toBe(0);
  for (const command of ['demo', 'client', 'platform', 'message']) expect(help.stdout).toContain(command);

  const cfg = path.join(work, 'osw-client.yaml');
  const init = await run(process.execPath, [osw, 'client', 'init', '--config', cfg, '--imp-path', path.join(work, 'ImpPath')]);
  expect(init.status, init.stderr).toBe(0);
  expect(existsSync(path.join(work, 'ImpPath', 'DecCus001', 'OutBox'))).toBe(true);
  expect(readFileSync(cfg, 'utf8')).toContain('clientId');

  const home = path.join(work, 'demo');
  await runUntil(process.execPath, [osw, 'demo', '--home', home, '--port', '0'], 'Ctrl+C stops', async () => {
    const demo = JSON.parse(readFileSync(path.join(home, 'demo.json'), 'utf8')) as { platformUrl: string };
    const page = await fetch(demo.platformUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
}

describe('distribution: the tarballs', () => {
  let t: ReturnType<typeof tempDir>;
  let tarballs: string;
  beforeAll(() => {
    t = tempDir('osw-distribution-');
    tarballs = path.join(t.dir, 'tarballs');
    mkdirSync(tarballs);
    pack(tarballs);
  }, 180_000);
  afterAll(() => t?.cleanup());

  it('npm pack --workspaces gives each package compiled JavaScript: no TypeScript source, no tsx, every export in the tarball', () => {
    for (const tgz of TARBALLS) {
      const files = listing(path.join(tarballs, tgz));
      expect(
        files.filter((f) => /\.tsx?$/.test(f) || f.startsWith('src/')),
        tgz,
      ).toEqual([]);
      const manifest = JSON.parse(
        spawnSync('tar', ['-xzOf', path.join(tarballs, tgz), 'package/package.json'], { encoding: 'utf8' }).stdout,
      );
      expect(manifest.engines?.node, tgz).toBe('>=20.19');
      expect(Object.keys({ ...manifest.dependencies }), tgz).not.toContain('tsx');
      for (const target of Object.values<Record<string, string>>(manifest.exports ?? {})) {
        expect(files, `${tgz} exports ${target.default}`).toContain(target.default.replace(/^\.\//, ''));
      }
    }
    const cli = listing(path.join(tarballs, `osw-${VERSION}.tgz`));
    expect(cli).toContain('bin/osw.cjs');
    expect(cli).toContain('dist/main.js');
    const web = listing(path.join(tarballs, `osw-web-${VERSION}.tgz`));
    expect(web).toContain('lib/index.js');
    expect(web).toContain('fallback/index.html');
  });

  it('the unpacked packages run: osw --version, --help, client init and the demo, with no tsx to be found', async () => {
    const app = path.join(t.dir, 'app');
    unpackWithRepositoryPackages(tarballs, app);
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
    const work = path.join(t.dir, 'work');
    mkdirSync(work);
    await installedOswRuns(path.join(app, 'node_modules', 'osw', 'bin', 'osw.cjs'), work);
  }, 180_000);

  it.runIf(FULL_INSTALL)(
    'npm install of the tarballs into an empty folder warns of no engine (EBADENGINE), and its osw runs',
    async () => {
      const app = path.join(t.dir, 'npm-install');
      mkdirSync(app);
      const install = await run('npm', ['install', '--no-audit', '--no-fund', ...TARBALLS.map((f) => path.join(tarballs, f))], {
        cwd: app,
      });
      expect(install.status, install.stderr).toBe(0);
      expect(install.stdout + install.stderr).not.toContain('EBADENGINE');
      expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
      const work = path.join(t.dir, 'npm-install-work');
      mkdirSync(work);
      await installedOswRuns(path.join(app, 'node_modules', '.bin', 'osw'), work);
    },
    900_000,
  );
});

describe('distribution: the single executable of the client', () => {
  let t: ReturnType<typeof tempDir>;
  let sea: string;
  let w: World;
  beforeAll(async () => {
    t = tempDir('osw-sea-');
    const built = spawnSync(process.execPath, ['scripts/build-sea.mjs', '--out', path.join(t.dir, 'sea')], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    sea = built.stdout.trim().split('\n').at(-1)!;
    w = await platformWorld(path.join(t.dir, 'platform'));
  }, 180_000);
  afterAll(async () => {
    await w?.stop();
    t?.cleanup();
  });

  it('prints its version and help: the client and message commands, without the platform', async () => {
    const version = await run(sea, ['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    const help = await run(sea, ['--help']);
    expect(help.stdout).toMatch(/^ {2}client\b/m);
    expect(help.stdout).toMatch(/^ {2}message\b/m);
    expect(help.stdout).not.toMatch(/^ {2}(platform|demo)\b/m);
    const client = await run(sea, ['client', '--help']);
    expect(client.stdout).toContain('start');
  });

  it('osw client start from the single executable sends an OutBox file to the platform and files the answer in InBox', async () => {
    const config = w.config({}, 'sea-client');
    const file = path.join(t.dir, 'sea-client.yaml');
    writeFileSync(file, YAML.stringify(config), { mode: 0o600 });
    const outBox = path.join(config.impPath, 'DecCus001', 'OutBox');
    const inBox = path.join(config.impPath, 'DecCus001', 'InBox');
    await runUntil(
      sea,
      ['client', 'start', '--config', file],
      'status page',
      async () => {
        mkdirSync(outBox, { recursive: true });
        writeFileSync(path.join(outBox, 'sea.xml'), withClientSeqNo(readFileSync(path.join(EXAMPLES, 'declaration.xml'), 'utf8')));
        await waitFor(() => filesBelow(inBox).find((f) => f.startsWith('Successed_sea_')), 'Successed_ in InBox', 60_000);
      },
      { OSW_CLIENT_LOCK_DIR: path.join(t.dir, 'locks') },
    );
    expect(filesBelow(path.join(config.impPath, 'DecCus001', 'SentBox')).some((f) => f.includes('sea_'))).toBe(true);
  }, 120_000);

  it('osw client service install from the single executable writes a unit that starts the executable itself, no node', async () => {
    const file = path.join(t.dir, 'service-client.yaml');
    writeFileSync(file, YAML.stringify(w.config({}, 'service-client')), { mode: 0o600 });
    const out = path.join(t.dir, 'service');
    mkdirSync(out);
    const r = await run(sea, ['client', 'service', 'install', '--config', file, '--platform', 'linux', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const unit = readFileSync(
      path.join(
        out,
        readdirSync(out).find((f) => f.endsWith('.service'))!,
      ),
      'utf8',
    );
    expect(unit).toContain(`ExecStart="${sea}" "client" "start" "--config" "${file}"`);
  });
});
