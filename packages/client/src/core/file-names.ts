/**
 * Which file names the client writes. A name the platform sends for the InBox is written only when it
 * is a plain name under the exchange's rule (`fileNameProblem`) that every supported system can hold
 * as it is.
 */
import { isPartialName } from '@osw/messages';
import { fileNameProblem } from '@osw/messages/exchange';

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
