/**
 * The signer's own TLS key and a self-signed certificate for it (ECDSA P-256, SHA-256), made with
 * Node's crypto alone so that `osw signer init` needs no openssl on the machine (Windows included).
 * The certificate is its own CA: the import client trusts it by `signer.caFile` (a copy of it).
 * Whoever has a CA of their own puts its key and certificate in the signer's config instead.
 *
 * Only the DER the certificate needs is written here: X.509 v3 with subjectAltName (the names and
 * addresses clients reach the signer by), basicConstraints CA:TRUE and keyUsage.
 */
import crypto from 'node:crypto';
import net from 'node:net';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function positiveInteger(bytes: Buffer): Buffer {
  const b = bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(0x02, b);
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5) */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand `::`, then 8 groups of 16 bits
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

const name = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));

export interface SelfSignedCertificate {
  /** PKCS#8 PEM of the TLS key */
  keyPem: string;
  certPem: string;
}

/**
 * A new key and a certificate for it valid `days` from `now`, for the DNS names and IP addresses
 * given (each becomes a subjectAltName: clients check the name they connect to against them).
 */
export function selfSignedCertificate(opts: {
  names: readonly string[];
  commonName?: string;
  days?: number;
  now?: Date;
  /** server (the default: serverAuth, its own CA) or client (clientAuth: a client's certificate for mutual TLS) */
  purpose?: 'server' | 'client';
}): SelfSignedCertificate {
  const client = opts.purpose === 'client';
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60 * 60_000);
  const notAfter = new Date(now.getTime() + (opts.days ?? 3650) * 86_400_000);
  const serial = crypto.randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const altNames = [...new Set(opts.names)].map((n) =>
    net.isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n.toLowerCase(), 'ascii')),
  );
  const extensions = tlv(
    0xa3,
    seq(
      seq(oid('2.5.29.17'), tlv(0x04, seq(...altNames))),
      seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, client ? seq() : seq(tlv(0x01, Buffer.from([0xff]))))),
      // keyUsage: digitalSignature (bit 0), and keyCertSign (bit 5) for the server's own CA
      seq(oid('2.5.29.15'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, tlv(0x03, Buffer.from(client ? [0x07, 0x80] : [0x02, 0x84])))),
      // extKeyUsage: serverAuth or clientAuth
      seq(oid('2.5.29.37'), tlv(0x04, seq(oid(client ? '1.3.6.1.5.5.7.3.2' : '1.3.6.1.5.5.7.3.1')))),
    ),
  );
  const subject = name(opts.commonName ?? 'osw signer');
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    positiveInteger(serial),
    ecdsaSha256,
    subject,
    seq(time(notBefore), time(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = crypto.sign('sha256', tbs, privateKey);
  const der = seq(tbs, ecdsaSha256, tlv(0x03, Buffer.from([0]), signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certPem: `-----BEGIN CERTIFICATE-----\n${b64.trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}
