// `npm run bench`: the figures of `osw` as it runs (packages/cli/bin/osw.cjs), with libuv's pool of
// 16 threads set before anything uses it, then bench/run.ts through tsx's loader, the workspace packages
// by their sources (packages/cli/bin/source-condition.mjs).
process.env.UV_THREADPOOL_SIZE ??= '16';

import('tsx/esm/api')
  .then(({ register }) => {
    require('node:module').register('../packages/cli/bin/source-condition.mjs', require('node:url').pathToFileURL(__filename));
    register();
    return import('./run.ts');
  })
  .catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
