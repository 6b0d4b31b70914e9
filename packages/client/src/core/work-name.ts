/**
 * Names inside a business's work folder. A claimed file is `<stamp>__<original name>`; it is signed
 * in memory and its signed bytes are written once, into SentBox. Earlier versions wrote a signed
 * copy `<stamp>__S__<original name>` into the work folder; such a file is sent as it is. The stamp
 * fixes the message id and the names the file and its receipts will get, so a restart after a
 * crash at any point gives the same names again.
 */
export interface WorkName {
  stamp: string;
  original: string;
  signed: boolean;
}

export function claimedWorkName(stamp: string, original: string): string {
  return `${stamp}__${original}`;
}

export function signedWorkName(stamp: string, original: string): string {
  return `${stamp}__S__${original}`;
}

export function parseWorkName(workName: string): WorkName | null {
  // `s`: an original name may hold a newline (it is refused with C913, and must be found to be refused)
  const m = /^(\d{17,23})__(S__)?(.+)$/s.exec(workName);
  if (!m) return null;
  return { stamp: m[1], signed: Boolean(m[2]), original: m[3] };
}

/** The message id a client sends for a claimed file: client id + stamp. */
export function messageIdFor(clientId: string, stamp: string): string {
  return `${clientId}${stamp}`;
}
