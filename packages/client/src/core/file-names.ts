/**
 * Which file names the client carries and writes. A name in OutBox is sent under the rule of the
 * exchange (`fileNameProblem`); one it cannot carry (a newline, a control character, a `\`, bytes
 * that are not UTF-8) goes to FailBox under a safe name instead. A name the platform sends for the
 * InBox is written only when it is a plain name every supported system can hold as it is.
 */
import { isPartialName } from '@osw/messages';
import { fileNameProblem } from '@osw/messages/exchange';

/** U+FFFD: what a name whose bytes are not UTF-8 reads as; the file cannot be found again by that name. */
const REPLACEMENT = '\uFFFD';

/** Why an OutBox name cannot be carried, or null when it can. */
export function outBoxNameProblem(name: string): string | null {
  if (name.includes(REPLACEMENT)) return 'the file name is not valid UTF-8';
  return fileNameProblem(name);
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\\uFFFD]|\p{Cs}/gu;

/** The name with everything the exchange cannot carry replaced by `_`. */
export function safeFileName(name: string): string {
  const safe = name.replace(UNSAFE, '_');
  return safe === '.' || safe === '..' || safe === '' ? '_' : safe;
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/gu;

/** The name as a log or a receipt may show it: control characters and broken Unicode as `\uXXXX`. */
export function printableName(name: string): string {
  return name.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** Why a name the platform sent cannot be written into an InBox, or null when it can. */
export function inBoxNameProblem(name: string): string | null {
  const wire = fileNameProblem(name);
  if (wire) return wire;
  if (/[<>:"|?*]/.test(name)) return 'the file name holds a character Windows does not allow (< > : " | ? *)';
  if (/[. ]$/.test(name)) return 'the file name ends with a dot or a space';
  if (WINDOWS_RESERVED.test(name)) return 'the file name is a device name on Windows (CON, NUL, COM1…)';
  if (isPartialName(name)) return 'the file name is hidden or temporary (starts with . or ~, ends with .tmp, .part…)';
  return null;
}
