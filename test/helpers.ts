/** Shared test helpers: temp folders and bounded waiting for files to appear. */
import { execFileSync } from 'node:child_process';
import crypto, { type KeyObject } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const FIXTURES = path.resolve(HERE, '../../shared/fixtures/real');
export const EXAMPLES = path.resolve(HERE, '../examples');
/** The official CEB 2022-05 schemas and samples (fixtures/ceb-2022/README.md). */
export const CEB_FIXTURES = path.resolve(FIXTURES, '../ceb-2022');
export const CEB_XSD_IMPORT = path.join(CEB_FIXTURES, 'xsd', '海关跨境进口业务节点报文定义202205.xsd');
export const CEB_XSD_EXPORT = path.join(CEB_FIXTURES, 'xsd', '海关跨境出口业务节点报文定义202205.xsd');

let schemaChecks = 0;

/**
 * Runs xmllint (libxml2-utils) on a message against an official CEB schema (the import one unless
 * told); returns '' when it is valid, else xmllint's complaint.
 */
export function cebSchemaProblems(xml: string, xsd = CEB_XSD_IMPORT): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osw-xsd-'));
  const file = path.join(dir, `m${++schemaChecks}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--schema', xsd, file], { stdio: 'pipe' });
    return '';
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ClientSeqNo (客户端编号) of examples/declaration.xml. */
export const EXAMPLE_CLIENT_SEQ_NO = 'E53002026112100001';

let clientSeqNos = 0;
const run = Date.now().toString(36).toUpperCase();

/** A ClientSeqNo no other declaration of this test run has. */
export function nextClientSeqNo(): string {
  return `T${run}${String(++clientSeqNos).padStart(6, '0')}`;
}

/**
 * The declaration with a ClientSeqNo of its own (DecSign and DecHead): the platform accepts a ClientSeqNo
 * once per sender enterprise, as an ERP gives every declaration its own, so a test that drops the
 * example more than once gives each copy its own number.
 */
export function withClientSeqNo<T extends string | Buffer>(xml: T, clientSeqNo = nextClientSeqNo()): T {
  const text = (typeof xml === 'string' ? xml : xml.toString('utf8')).replace(
    /<ClientSeqNo>[^<]*<\/ClientSeqNo>/g,
    `<ClientSeqNo>${clientSeqNo}</ClientSeqNo>`,
  );
  return (typeof xml === 'string' ? text : Buffer.from(text, 'utf8')) as T;
}

/**
 * An SM2 key pair as a card holds it, not sealed under a PIN: for tests of signatures, which need no
 * PIN (sealing costs a memory-hard derivation). Loaded from PEM so that OpenSSL treats it as SM2.
 */
export function sm2KeyPair(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
  return {
    privateKey: crypto.createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export function tempDir(prefix = 'osw-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls until fn returns a truthy value; fails with what it last saw after timeoutMs. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<Exclude<T, null | undefined | false | '' | 0>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Exclude<T, null | undefined | false | '' | 0>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * All files below dir, relative, sorted. Hidden names (`.x.123.tmp`: an atomic write in progress)
 * are not files yet (unless `hidden`); a file renamed away while the folder is read is left out; a
 * link, FIFO or device is listed as an entry, never followed.
 */
export function filesBelow(dir: string, opts: { hidden?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith('.') && !opts.hidden) continue;
      const p = path.join(d, n);
      const st = lstatSync(p, { throwIfNoEntry: false }); // a link is an entry of its own, never followed
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
