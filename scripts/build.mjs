#!/usr/bin/env node
// `npm run build`: the JavaScript the packages are installed with, for `npm pack --workspaces` (each
// package's `prepack` runs this for itself) and for the tarballs docs/client.md describes.
//   messages, client, platform, cli → packages/<name>/dist/ (one .js per .ts, same layout as src/)
//   web                             → packages/web/lib/index.js (the Node side: where the console's files are);
//                                     the console itself is `vite build` (packages/web/dist/)
// esbuild only transpiles (no bundle): `npm run typecheck` (tsc) stays the type checker. In the repository
// nothing runs dist/: `osw`, the tests and the bench run the TypeScript sources through tsx, reaching the
// workspace packages by their `osw-source` export condition.
//   node scripts/build.mjs [messages|client|platform|cli|web]…   (none: all of them and the console)
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['messages', 'client', 'platform', 'cli', 'web'];

/** what becomes JavaScript: every TypeScript file of src/ (web: only its Node entry) */
function entryPoints(name) {
  const src = path.join(root, 'packages', name, 'src');
  if (name === 'web') return [path.join(src, 'index.ts')];
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => path.join(src, f));
}

/** transpile one package into its output folder (emptied first) */
export async function buildPackage(name) {
  const dir = path.join(root, 'packages', name);
  const outdir = path.join(dir, name === 'web' ? 'lib' : 'dist');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: entryPoints(name),
    outbase: path.join(dir, 'src'),
    outdir,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((n) => !PACKAGES.includes(n));
  if (unknown.length) {
    console.error(`unknown package ${unknown.join(', ')}: one of ${PACKAGES.join(', ')}`);
    process.exit(2);
  }
  if (asked.length === 0) {
    const vite = spawnSync('npm', ['run', 'build', '-w', '@osw/web'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    if (vite.status !== 0) process.exit(vite.status ?? 1);
  }
  for (const name of asked.length ? asked : PACKAGES) await buildPackage(name);
}
