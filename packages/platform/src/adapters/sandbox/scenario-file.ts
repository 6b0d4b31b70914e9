/** A sandbox scenario from a YAML or JSON file (docs/sandbox.md). */
import { readFile } from 'node:fs/promises';
import { OswError } from '@osw/messages';
import { parseScenario, type Scenario } from '../../core/sandbox/scenario.js';

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new OswError('OSW_CONFIG_INVALID', `cannot read the sandbox scenario ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseScenario(text, file);
}
