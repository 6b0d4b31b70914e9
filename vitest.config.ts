import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that disturb what every other test shares (a broker restart) run in an exclusive phase of
 * their own, alone and after the parallel run: files under test/exclusive/ or named
 * *.exclusive.test.ts. `OSW_TEST_EXCLUSIVE=1` selects them (scripts/test.mjs and
 * scripts/reliability.mjs do); otherwise they are left out.
 */
const EXCLUSIVE = ['test/exclusive/**/*.test.ts', '**/*.exclusive.test.ts'];
const exclusive = process.env.OSW_TEST_EXCLUSIVE === '1';

// the workspace packages by their TypeScript sources, not the dist/ they are installed with (scripts/build.mjs);
// without 'module': a dependency run by Node itself (external) must resolve to what Node would load
const conditions = ['osw-source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: exclusive ? EXCLUSIVE : ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: exclusive ? configDefaults.exclude : [...configDefaults.exclude, ...EXCLUSIVE],
    fileParallelism: !exclusive,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
