/**
 * Webhook POSTs over node:http(s), to addresses the platform allows only. Loopback, link-local,
 * private (RFC 1918, unique-local IPv6, CGNAT), unspecified, multicast and reserved ranges are
 * refused unless `allowPrivate` names them (a list of CIDR ranges, or `true` for all). The check runs
 * at registration (`checkTarget`: the URL's host, and every address its name resolves to) and again
 * inside each connection's own DNS lookup, so the socket connects to the address that was checked: a
 * name cannot answer a public address to the check and a private one to the POST (DNS rebinding).
 * No redirects are followed; a timeout bounds each attempt.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import type { WebhookPort } from '../../core/push/ports.js';
import { problem } from '../../core/problem.js';

/** Ranges no webhook reaches unless allowed: [address, prefix length]. */
const REFUSED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const REFUSED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (reaches IPv4 addresses behind a translator)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds IPv4 addresses)
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const refused = new net.BlockList();
for (const [a, p] of REFUSED_V4) refused.addSubnet(a, p, 'ipv4');
for (const [a, p] of REFUSED_V6) refused.addSubnet(a, p, 'ipv6');

/** Which addresses webhooks may reach: public ones, and the private ranges the configuration names. */
export class WebhookAddressPolicy {
  private readonly allowed = new net.BlockList();
  private readonly allowAll: boolean;

  /** `allowPrivate`: `true` (any address), or CIDR ranges such as `10.0.0.0/8`, `127.0.0.1/32`, `fd00::/8` */
  constructor(allowPrivate: boolean | readonly string[] = false) {
    this.allowAll = allowPrivate === true;
    for (const cidr of Array.isArray(allowPrivate) ? allowPrivate : []) {
      const [address, bits] = parseCidr(cidr);
      this.allowed.addSubnet(address, bits, net.isIPv6(address) ? 'ipv6' : 'ipv4');
    }
  }

  /** May a webhook connect to this address? */
  allows(address: string): boolean {
    const family = net.isIP(address);
    if (!family) return false;
    if (this.allowAll) return true;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    // an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it maps
    const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    if (mapped) return this.allows(mapped);
    if (this.allowed.check(address, type)) return true;
    return !refused.check(address, type);
  }
}

/** `10.0.0.0/8` → ['10.0.0.0', 8]; a bare address is a range of one. Throws on anything else. */
export function parseCidr(cidr: string): [string, number] {
  const [address, bits, extra] = cidr.trim().split('/');
  const family = net.isIP(address);
  const max = family === 6 ? 128 : 32;
  const n = bits === undefined ? max : Number(bits);
  if (!family || extra !== undefined || !Number.isInteger(n) || n < 0 || n > max || (bits !== undefined && !/^\d+$/.test(bits)))
    throw new Error(`not an address range (CIDR): ${cidr}`);
  return [address, n];
}

function unwrapHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

const DNS_TIMEOUT_MS = 5000;

/** Why a webhook address was refused (the push log says only "not reachable"). */
export class WebhookAddressRefused extends Error {
  constructor(readonly host: string) {
    super(`webhook address refused: ${host} is or resolves to an address webhooks may not reach`);
  }
}

export class HttpWebhookPort implements WebhookPort {
  private readonly policy: WebhookAddressPolicy;

  constructor(
    opts: {
      /** private ranges webhooks may reach (`push.webhookAllowPrivate`) */
      allowPrivate?: boolean | readonly string[];
      /** DNS, injectable for tests */
      lookup?: typeof dns.lookup;
    } = {},
  ) {
    this.policy = new WebhookAddressPolicy(opts.allowPrivate ?? false);
    this.dnsLookup = opts.lookup ?? dns.lookup;
  }

  private readonly dnsLookup: typeof dns.lookup;

  async checkTarget(url: string): Promise<void> {
    const host = unwrapHost(new URL(url).hostname);
    const said = (zh: string, en: string) => problem('OSW_PUSH_WEBHOOK_URL', zh, en);
    let addresses: string[];
    try {
      addresses = net.isIP(host) ? [host] : await this.resolveAll(host);
    } catch {
      throw said(`推送地址[${host}]无法解析`, `the webhook host ${host} does not resolve`);
    }
    if (!addresses.length || addresses.some((a) => !this.policy.allows(a)))
      throw said(
        `推送地址[${host}]指向内网、本机或保留地址，不允许推送`,
        `the webhook host ${host} is or resolves to a loopback, private, link-local or reserved address, which webhooks may not reach`,
      );
  }

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number }> {
    const u = new URL(url);
    const host = unwrapHost(u.hostname);
    // a literal address never goes through the lookup below
    if (net.isIP(host) && !this.policy.allows(host)) throw new WebhookAddressRefused(host);
    const transport = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        u,
        {
          method: 'POST',
          headers: { ...headers, 'user-agent': 'open-single-window-push/1', 'content-length': Buffer.byteLength(body) },
          lookup: this.guardedLookup(host),
          agent: false,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** every address of a name, within DNS_TIMEOUT_MS */
  private resolveAll(host: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`DNS lookup of ${host} timed out`)), DNS_TIMEOUT_MS);
      this.dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve((addresses as dns.LookupAddress[]).map((a) => a.address));
      });
    });
  }

  /** The connection's DNS lookup: the addresses it may connect to are the checked ones, or none. */
  private guardedLookup(host: string): LookupFunction {
    return (hostname, options, callback) => {
      this.dnsLookup(hostname, { ...options, all: true }, (err, found) => {
        if (err) return callback(err, '', 0);
        const all = found as dns.LookupAddress[];
        // one refused address refuses the name: no chance to race towards it
        if (!all.length || all.some((a) => !this.policy.allows(a.address))) return callback(new WebhookAddressRefused(host), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, all);
        callback(null, all[0].address, all[0].family);
      });
    };
  }
}
