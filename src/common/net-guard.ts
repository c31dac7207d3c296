// Outbound-address policy (no SSRF): a scraper source may only reach the hosts on its allow-list,
// and never a private, loopback, link-local or otherwise internal address — checked on the
// addresses DNS actually returns, and again at connect time so a rebinding answer cannot slip
// through. Test fixtures on 127.0.0.1 need an explicit per-host allowance. Here rather than in
// ingest because notification webhooks keep to the same internal-address rule.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const)
  INTERNAL.addSubnet(net, bits, 'ipv6');

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

/** True for addresses a public auction site can never have. IPv4-mapped IPv6 is judged as IPv4. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family === 6) return INTERNAL.check(address, 'ipv6');
  return true;
}

export interface HostPolicy {
  /** Host names (lower case) this source may contact; an empty list allows none. */
  allowHosts: readonly string[];
  /** Hosts exempt from the internal-address check (test fixtures on 127.0.0.1 only). */
  allowPrivateHosts: readonly string[];
}

const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

/** Refuses a URL whose scheme or host the policy does not allow (before any DNS). */
export function checkUrlAllowed(url: URL, policy: HostPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BlockedAddressError(`refused ${url.protocol} URL ${url.href}: only http(s)`);
  const host = bareHost(url.hostname);
  if (!policy.allowHosts.includes(host))
    throw new BlockedAddressError(`refused ${url.href}: host ${host} is not on this source's allow-list`);
  if (isIP(host) && isInternalAddress(host) && !policy.allowPrivateHosts.includes(host)) {
    throw new BlockedAddressError(`refused ${url.href}: ${host} is a private, loopback or link-local address`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` replacement for the HTTP client's connect step: resolves, then refuses the
 * connection when any answer is internal (unless the host is explicitly allowed).
 */
export function guardedLookup(policy: HostPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback): void => {
    const opts = typeof options === 'number' ? { family: options } : options;
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const host = bareHost(hostname);
      const bad = addresses.find((a) => isInternalAddress(a.address));
      if (bad && !policy.allowPrivateHosts.includes(host)) {
        return callback(new BlockedAddressError(`refused ${host}: resolves to internal address ${bad.address}`), []);
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a host now and throws when it is internal; used before a browser navigates. */
export async function assertPublicHost(url: URL, policy: HostPolicy): Promise<void> {
  checkUrlAllowed(url, policy);
  const host = bareHost(url.hostname);
  if (isIP(host) || policy.allowPrivateHosts.includes(host)) return;
  await new Promise<void>((resolve, reject) => {
    guardedLookup(policy)(host, { all: true }, (err) => (err ? reject(err) : resolve()));
  });
}
