#!/usr/bin/env node
// The `osw` command: runs the TypeScript sources through tsx's loader.
//
// CommonJS, so that the first line runs before anything uses libuv's thread pool (an ES module entry
// is itself read on it, and the pool's size is fixed at its first use). The pool fsyncs every file
// the client files and the platform's SQLite store, and runs the SM2 signatures: with its default
// 4 threads, fsyncs wait behind each other while a core idles.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import('../src/main.ts');
  })
  .catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
