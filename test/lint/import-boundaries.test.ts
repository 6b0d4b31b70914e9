/**
 * The lint rules that keep the layers apart (eslint.config.js) still report what they forbid: each
 * case lints a line of code as if it were a file of that layer, with ESLint's own Node API.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** the rules that fire on `code` in a (not necessarily existing) file at `file` */
async function rulesFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(ROOT, file), warnIgnored: true });
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.map((m) => m.ruleId ?? '(none)');
}

const forbidden = (file: string, code: string) => async () => expect(await rulesFor(file, code)).toContain('no-restricted-imports');
const allowed = (file: string, code: string) => async () => expect(await rulesFor(file, code)).not.toContain('no-restricted-imports');

describe('platform core imports no adapter, no API and no driver', () => {
  const file = 'packages/platform/src/core/push/lint-probe.ts';
  it('an adapter, one or two folders up', forbidden(file, "import { openStore } from '../../adapters/kysely/store.js';"));
  it('an adapter, as a type', forbidden(file, "import type { KyselyStore } from '../adapters/kysely/store.js';"));
  it('the HTTP API', forbidden(file, "import { build } from '../../api/app.js';"));
  it('a re-export of the API', forbidden(file, "export { build } from '../../api/app.js';"));
  for (const driver of ['fastify', 'kysely', 'pg', 'better-sqlite3', 'amqplib', 'node:fs', 'fs/promises'])
    it(`the driver ${driver}`, forbidden(file, `import x from '${driver}';`));
  it(
    'but its own ports and the messages package',
    allowed(file, "import type { Store } from '../store.js';\nimport { OswError } from '@osw/messages';"),
  );
});

describe('platform API and adapters stay apart', () => {
  it(
    'the API imports no adapter',
    forbidden('packages/platform/src/api/routes/lint-probe.ts', "import { openStore } from '../../adapters/kysely/store.js';"),
  );
  it(
    'the API may import the core',
    allowed('packages/platform/src/api/routes/lint-probe.ts', "import type { Store } from '../../core/store.js';"),
  );
  it(
    'an adapter imports nothing of the API',
    forbidden('packages/platform/src/adapters/kysely/lint-probe.ts', "import { httpError } from '../../api/errors.js';"),
  );
});

describe('client core imports no adapter, no broker and no file system', () => {
  const file = 'packages/client/src/core/lint-probe.ts';
  it('an adapter', forbidden(file, "import { outBoxWatch } from '../adapters/fs/watch.js';"));
  it('amqplib', forbidden(file, "import amqp from 'amqplib';"));
  it('node:fs', forbidden(file, "import { readFileSync } from 'node:fs';"));
  it('but its ports', allowed(file, "import type { Transport } from './ports.js';"));
});

describe('the web console imports of the platform only its contract', () => {
  const file = 'packages/web/src/pages/LintProbe.tsx';
  it('@osw/platform', forbidden(file, "import { build } from '@osw/platform';"));
  it('a module of @osw/platform other than the contract', forbidden(file, "import { build } from '@osw/platform/src/api/app.js';"));
  it('@osw/platform/contract is allowed', allowed(file, "import type { Contract } from '@osw/platform/contract';"));
  it('a relative path into the platform', forbidden(file, "import { build } from '../../../platform/src/api/app.js';"));
  it('a relative path into the messages package', forbidden(file, "import { x } from '../../../messages/src/forms.js';"));
  it(
    'its own folders, whatever their names',
    allowed(file, "import { api } from '../api/client.js';\nimport { Picker } from '../components/client/Picker.js';"),
  );
});

describe('no `as any` in the product’s code', () => {
  const cast = 'export const n = (JSON.parse("1") as any) as number;';
  it('is reported in packages/*/src', async () =>
    expect(await rulesFor('packages/platform/src/core/lint-probe.ts', cast)).toContain('no-restricted-syntax'));
  it('is allowed in tests', async () =>
    expect(await rulesFor('packages/platform/test/lint-probe.test.ts', cast)).not.toContain('no-restricted-syntax'));
});
