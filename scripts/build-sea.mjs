#!/usr/bin/env node
// `npm run build:sea`: the import client as one executable file, with Node's single executable
// applications (SEA): `osw client …` and `osw message …` without Node or npm on the machine
// (packages/cli/src/sea.ts; docs/client.md "Install without cloning").
//   1. esbuild bundles packages/cli/src/sea.ts and all it imports into one CommonJS file (a SEA runs one
//      script, which may require only Node's own modules). The client needs no native module.
//   2. `node --experimental-sea-config` turns it into a blob;
//   3. a copy of a Node executable gets the blob injected with postject (macOS: into the NODE_SEA segment,
//      unsigned before and signed ad hoc after with codesign, which only a Mac has).
// The blob holds no snapshot and no code cache, so it does not depend on the machine that built it:
// --node may name another platform's node executable of the same Node version (node.exe from the
// win-x64 zip on nodejs.org for Windows; a macOS one must then still be signed on a Mac).
//   node scripts/build-sea.mjs [--out <dir>] [--node <node executable>] [--name <file name>]
// Writes <out>/<name> (default build/sea/osw, osw.exe for a .exe --node or on Windows) and prints its path.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** the SEA fuse Node's executables carry (doc/api/single-executable-applications.md) */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** runs a step; its output is shown only when it fails (postject warns of every ELF note section it skips) */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
}

/** whether a file is a Mach-O executable (macOS), thin or universal */
function isMachO(file) {
  const fd = openSync(file, 'r');
  const magic = Buffer.alloc(4);
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return [0xfeedfacf, 0xfeedface, 0xcafebabe].includes(magic.readUInt32BE(0)) || [0xfeedfacf, 0xfeedface].includes(magic.readUInt32LE(0));
}

/** Builds the executable; returns its path. */
export async function buildSea({ out = path.join(root, 'build', 'sea'), node = process.execPath, name } = {}) {
  if (!readFileSync(node).includes(SEA_FUSE)) {
    throw new Error(`${node} cannot become a single executable (it has no ${SEA_FUSE}): take Node 20 from nodejs.org`);
  }
  const windows = node.toLowerCase().endsWith('.exe');
  const macho = isMachO(node);
  // codesign exists on a Mac only: a Mach-O made elsewhere must be signed on a Mac before it runs there
  const sign = macho && process.platform === 'darwin';
  const exe = path.resolve(out, name ?? (windows ? 'osw.exe' : 'osw'));
  const work = path.resolve(out, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const version = JSON.parse(readFileSync(path.join(root, 'packages', 'cli', 'package.json'), 'utf8')).version;
  const bundle = path.join(work, 'osw-client.cjs');
  await build({
    entryPoints: [path.join(root, 'packages', 'cli', 'src', 'sea.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // the workspace packages by their sources: one bundle, whatever dist/ holds
    conditions: ['osw-source'],
    // a CommonJS bundle has no import.meta: its URL is the executable's own
    banner: { js: 'const __oswImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__oswImportMetaUrl', OSW_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });

  const blob = path.join(work, 'sea-prep.blob');
  const config = path.join(work, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }, null, 2));
  run(process.execPath, ['--experimental-sea-config', config]);

  mkdirSync(path.dirname(exe), { recursive: true });
  rmSync(exe, { force: true });
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  if (sign) run('codesign', ['--remove-signature', exe]);
  const postject = require.resolve('postject/dist/cli.js');
  const args = [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
  if (macho) args.push('--macho-segment-name', 'NODE_SEA');
  run(process.execPath, args);
  if (sign) run('codesign', ['--sign', '-', exe]);
  else if (macho)
    console.error(`${exe} is a macOS executable: sign it on a Mac (codesign --sign - ${path.basename(exe)}) before it runs there`);
  rmSync(work, { recursive: true, force: true });
  return exe;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, node: { type: 'string' }, name: { type: 'string' } } });
  const exe = await buildSea({
    out: values.out && path.resolve(values.out),
    node: values.node && path.resolve(values.node),
    name: values.name,
  });
  console.log(exe);
}
