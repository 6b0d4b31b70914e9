// ESLint for the whole repository: `npm run lint` (with Prettier's check), or `npx eslint <file>`.
// typescript-eslint's recommended rules without type information (fast: no type checker runs),
// the few rules tuned to the code's style, and the import boundaries between the layers
// (test/lint/import-boundaries.test.ts proves each one still reports a forbidden import).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from '@osw/typescript-eslint';

// `no-restricted-imports` for a layer: `forbidden` are gitignore-style patterns (`**/api/**` catches
// `../api/app.js` and `../../api/routes/x.js` alike), `regex` one regular expression, `packages` exact
// module names.
function boundary(message, { forbidden = [], regex, packages = [] }) {
  const patterns = [];
  if (forbidden.length) patterns.push({ group: forbidden, message });
  if (regex) patterns.push({ regex, message });
  return ['error', { paths: packages.map((name) => ({ name, message })), patterns }];
}

// Node's file system by every name it can be imported under
const NODE_FS = ['node:fs', 'node:fs/promises', 'fs', 'fs/promises'];

export default defineConfig(
  {
    ignores: ['**/dist/', 'coverage/', '.osw-demo/', 'bench/results/', 'docs/', 'examples/', 'packages/web/fallback/', '**/fixtures/'],
  },
  // what `npm run build` and `npm run build:sea` write
  { ignores: ['packages/web/lib/', 'build/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.node,
    },
    rules: {
      // `_`-prefixed names say "unused on purpose"; so does the rest of a destructuring that drops a key
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `cond ? a() : b();` and `ok && go();` as statements are the code's style
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // An `any` in a declaration is sometimes the honest type (Kysely<any> in the migrations, frozen
      // in time); what hides errors is the cast. `as any` is refused in packages/*/src below.
      '@typescript-eslint/no-explicit-any': 'off',
      // the width Prettier formats to; long strings, URLs, regexes and import lines may run over, comments may not
      'max-len': [
        'error',
        {
          code: 140,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignoreComments: false,
          ignorePattern: '^\\s*import\\s',
        },
      ],
    },
  },
  {
    files: ['packages/web/src/**'],
    languageOptions: { globals: globals.browser },
  },
  // CommonJS entry points (bin/osw.cjs, bench/run.cjs: CommonJS so their first line runs before the thread pool is used)
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // ── no `as any` in the product's code (tests may still cast) ────────────────────────────────
  {
    files: ['packages/*/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSAsExpression > TSAnyKeyword',
          message: '`as any` hides a type error: give the value its type, or take it as `unknown` and narrow it.',
        },
        {
          selector: 'TSTypeAssertion > TSAnyKeyword',
          message: '`<any>` hides a type error: give the value its type, or take it as `unknown` and narrow it.',
        },
      ],
    },
  },

  // ── import boundaries (docs: CONVENTIONS.md, "the core is pure and takes ports") ─────────────
  {
    files: ['packages/platform/src/core/**'],
    rules: {
      'no-restricted-imports': boundary(
        'the platform core is pure: it takes ports (core/ports.ts, core/store.ts) and imports no adapter, no API and no driver.',
        {
          forbidden: ['**/adapters/**', '**/api/**', '@fastify/*', 'kysely/*', 'pg/*', 'amqplib/*'],
          packages: ['fastify', 'kysely', 'pg', 'better-sqlite3', 'amqplib', ...NODE_FS],
        },
      ),
    },
  },
  {
    files: ['packages/platform/src/api/**'],
    rules: {
      'no-restricted-imports': boundary(
        'the platform API works through the core and its ports: the adapters are chosen in main.ts and passed in.',
        { forbidden: ['**/adapters/**'] },
      ),
    },
  },
  {
    files: ['packages/platform/src/adapters/**'],
    rules: {
      'no-restricted-imports': boundary('an adapter implements a core port and knows nothing of the HTTP API.', {
        forbidden: ['**/api/**'],
      }),
    },
  },
  {
    files: ['packages/client/src/core/**'],
    rules: {
      'no-restricted-imports': boundary(
        'the client core is pure: it takes ports (core/ports.ts) and imports no adapter, no broker and no file system.',
        { forbidden: ['**/adapters/**', 'amqplib/*'], packages: ['amqplib', ...NODE_FS] },
      ),
    },
  },
  {
    files: ['packages/web/**'],
    rules: {
      'no-restricted-imports': boundary(
        'the console talks to the platform over HTTP: of @osw/platform it may import only @osw/platform/contract, and nothing of another package by a relative path.',
        {
          packages: ['@osw/platform'],
          forbidden: ['@osw/platform/*', '!@osw/platform/contract'],
          // a relative path that climbs out of packages/web into a neighbour (only `../` before the
          // package's name, so the console's own folders may be called `client` or `messages`)
          regex: '^(\\.\\./)+(packages/)?(messages|platform|client|cli)(/|$)',
        },
      ),
    },
  },
);
