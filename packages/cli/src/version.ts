/** The version `osw --version` prints: the CLI package's, or the one built into the single executable. */
import { readFileSync } from 'node:fs';

/** set by scripts/build-sea.mjs (esbuild's define) in the single executable, which has no package.json */
declare const OSW_VERSION: string | undefined;

export function oswVersion(): string {
  if (typeof OSW_VERSION === 'string') return OSW_VERSION;
  // src/ and dist/ both sit next to package.json
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
