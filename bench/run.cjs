// `npm run bench`: the figures of `osw` as it runs (packages/cli/bin/osw.cjs), with libuv's pool of
// 16 threads set before anything uses it, then bench/run.ts through tsx's loader.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import('./run.ts');
  })
  .catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
