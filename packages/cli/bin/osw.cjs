#!/usr/bin/env node
// The `osw` command. Installed from its package (npm pack, docs/client.md) it runs the compiled
// JavaScript in dist/. In a checkout of the repository, where src/ is, it runs the TypeScript sources
// through tsx's loader, and reaches the other workspace packages by their sources too: their exports'
// `osw-source` condition, which source-condition.mjs adds to every import.
//
// CommonJS, so that the first line runs before anything uses libuv's thread pool (an ES module entry
// is itself read on it, and the pool's size is fixed at its first use). The pool fsyncs every file
// the client files and the platform's SQLite store, and runs the SM2 signatures: with its default
// 4 threads, fsyncs wait behind each other while a core idles.
process.env.UV_THREADPOOL_SIZE ??= '16';

const { existsSync } = require('node:fs');
const path = require('node:path');

const checkout = existsSync(path.join(__dirname, '..', 'src', 'main.ts'));
const started = checkout
  ? import('tsx/esm/api').then(({ register }) => {
      require('node:module').register('./source-condition.mjs', require('node:url').pathToFileURL(__filename));
      register();
      return import('../src/main.ts');
    })
  : import('../dist/main.js');
started.catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
