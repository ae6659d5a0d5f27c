// Egress policy: classifies addresses, matches host globs and ports, and builds the connector that checks every TCP connect.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';
import { ForbiddenSourceError } from '../errors.js';

/** public: fetchable; private: only with allowPrivateNetworks; reserved: never fetched. */
export type AddressClass = 'public' | 'private' | 'reserved';

/** Bounded reason labels for metrics (omnic_rejections_total{reason}). */
export type DenyReason = 'private_address' | 'reserved_address' | 'host_not_allowed' | 'port_not_allowed' | 'scheme_not_allowed';

export interface GuardPolicy {
  allowedHosts: string[];
  allowPrivateNetworks: boolean;
}

/** A 403 forbidden_source that also carries its metrics label. */
export class EgressDeniedError extends ForbiddenSourceError {
  constructor(readonly reason: DenyReason, message: string) {
    super(message);
  }
}

// Cloud instance-metadata endpoints: credentials live there, so they stay refused even when private networks are allowed.
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16']);
const PRIVATE_V4 = new Set(['loopback', 'private', 'linkLocal', 'carrierGradeNat']);
const PRIVATE_V6 = new Set(['loopback', 'uniqueLocal', 'linkLocal', 'deprecatedSiteLocal']);
// Anycast service ranges that are ordinary public hosts; every other named range is reserved.
const PUBLIC_V4 = new Set(['unicast', 'as112', 'amt']);
const PUBLIC_V6 = new Set(['unicast', 'as112v6', 'amt']);
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/** Classifies an IP address string (any form ipaddr.js parses); unparsable input is reserved. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const ip = parseAddress(bare);
  if (!ip) return 'reserved';
  if (ip.kind() === 'ipv4') return classifyV4(ip as ipaddr.IPv4);
  return classifyV6(ip as ipaddr.IPv6);
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (isIP(text) === 4) return ipaddr.IPv4.parse(text);
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  // ipaddr.js reads the dotted tail of ::a.b.c.d as IPv4-mapped; the WHATWG parser keeps it IPv4-compatible.
  // Zone ids (%eth0) are dropped first because URL hosts cannot carry them.
  try {
    return ipaddr.IPv6.parse(new URL(`http://[${text.replace(/%.*$/, '')}]/`).hostname.slice(1, -1));
  } catch {
    return undefined;
  }
}

function classifyV4(ip: ipaddr.IPv4): AddressClass {
  if (METADATA.has(ip.toString())) return 'reserved';
  const range = ip.range();
  if (PRIVATE_V4.has(range)) return 'private';
  return PUBLIC_V4.has(range) ? 'public' : 'reserved';
}

function classifyV6(ip: ipaddr.IPv6): AddressClass {
  if (METADATA.has(ip.toString())) return 'reserved';
  const range = ip.range();
  // These forms carry an IPv4 address that the kernel or a translator may reach: judge the embedded one.
  const embedded = embeddedV4(ip, range);
  if (embedded) return classifyV4(embedded);
  if (PRIVATE_V6.has(range)) return 'private';
  // ipaddr.js calls all of ::/8 (IPv4-compatible, 100::/64 …) "unicast"; only 2000::/3 is global unicast.
  return PUBLIC_V6.has(range) && ip.match(GLOBAL_UNICAST) ? 'public' : 'reserved';
}

function embeddedV4(ip: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const p = ip.parts;
  const fromParts = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return fromParts(p[6]!, p[7]!);
  if (range === '6to4') return fromParts(p[1]!, p[2]!);
  return undefined;
}

/** Whether `host` (a URL hostname) matches one of the globs: `*.example.com` matches subdomains only. */
export function hostAllowed(host: string, globs: readonly string[]): boolean {
  if (globs.length === 0) return true;
  const name = canonicalHost(host);
  return globs.some((glob) => {
    const g = glob.trim().toLowerCase();
    if (g === '*') return true;
    if (g.startsWith('*.')) return name.endsWith('.' + canonicalHost(g.slice(2)));
    return name === canonicalHost(g);
  });
}

function canonicalHost(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (ipaddr.isValid(bare)) return ipaddr.parse(bare).toString();
  return domainToASCII(bare) || bare;
}

const STANDARD_PORTS = new Set([80, 443]);

export interface EgressGuard {
  /** Scheme, allow-list and (for IP literals) address and port checks: everything knowable without DNS. */
  checkUrl(url: URL): void;
  /** The connect-time check of one resolved address. */
  checkAddress(address: string, port: number): void;
  /** A net.connect lookup that resolves `hostname`, refuses if ANY answer is forbidden, and hands over the checked answers. */
  lookupFor(port: number, resolve?: Resolve): LookupFunction;
}

export type Resolve = (hostname: string, family: number) => Promise<LookupAddress[]>;

export function createEgressGuard(policy: GuardPolicy): EgressGuard {
  const checkAddress = (address: string, port: number): void => {
    const cls = classifyAddress(address);
    if (cls === 'reserved') {
      throw new EgressDeniedError('reserved_address', 'The source host resolves to a reserved address (unspecified, multicast, documentation or cloud metadata); omnic never fetches from those.');
    }
    if (cls === 'private' && !policy.allowPrivateNetworks) {
      throw new EgressDeniedError('private_address', 'The source host resolves to a private or reserved address; set OMNIC_ALLOW_PRIVATE_NETWORKS=true to allow intranet sources.');
    }
    // Public origins are held to the web ports so omnic cannot be used to probe other services. Intranet
    // origins (allowed explicitly) may use any port: test fixtures and internal file servers listen on random ones.
    if (cls === 'public' && !STANDARD_PORTS.has(port)) throw portDenied(port);
  };

  const checkUrl = (url: URL): void => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new EgressDeniedError('scheme_not_allowed', 'Only http and https sources are fetched.');
    }
    if (!hostAllowed(url.hostname, policy.allowedHosts)) {
      throw new EgressDeniedError('host_not_allowed', 'The source host is not in OMNIC_ALLOWED_HOSTS.');
    }
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // A name's port is judged at connect time, once its addresses are known: `localhost:8080` is refused
    // for being loopback (the message that helps), not for its port.
    if (isIP(literal)) checkAddress(literal, url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);
  };

  const lookupFor = (port: number, resolve: Resolve = systemResolve): LookupFunction =>
    (hostname, options, callback) => {
      resolve(hostname, options.family === 4 || options.family === 6 ? options.family : 0).then(
        (answers) => {
          try {
            if (answers.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
            for (const a of answers) checkAddress(a.address, port);
          } catch (err) {
            return callback(err as NodeJS.ErrnoException, '', 0);
          }
          if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, answers);
          callback(null, answers[0]!.address, answers[0]!.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };

  return { checkUrl, checkAddress, lookupFor };
}

function portDenied(port: number): EgressDeniedError {
  return new EgressDeniedError('port_not_allowed', `Public sources are fetched on ports 80 and 443 only; this URL uses port ${port}.`);
}

export function systemResolve(hostname: string, family: number): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/**
 * TEST-ONLY network stand-ins. main.ts never passes this and no configuration key reaches it; every name
 * must end in `.test` (RFC 6761), which no real resolver answers, so it cannot redirect real traffic.
 */
export interface TestNetwork {
  /** `name.test` → the addresses its lookup answers; the guard checks them like real DNS answers. */
  hosts?: Record<string, string[]>;
  /** `name.test:port` → a port on 127.0.0.1 standing in for a PUBLIC origin: its address check is skipped. */
  publicOrigins?: Record<string, number>;
}

/** undici connector whose every TCP connect is checked: literals directly, names through the guarded lookup. */
export function guardedConnector(guard: EgressGuard, timeout: number, testNetwork?: TestNetwork): buildConnector.connector {
  const routes = testOnly(testNetwork?.publicOrigins ?? {}, (key) => key.split(':')[0]!);
  const hosts = testOnly(testNetwork?.hosts ?? {}, (key) => key);
  const resolve: Resolve = (name, family) =>
    Object.hasOwn(hosts, name) ? Promise.resolve(hosts[name]!.map((address) => ({ address, family: isIP(address) }))) : systemResolve(name, family);
  const plain = buildConnector({ timeout });
  // One connector per port: the port is part of the check, and TLS sessions stay cached per connector.
  const byPort = new Map<number, buildConnector.connector>();
  return (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const route = routes[`${opts.hostname}:${port}`];
    if (route) return plain({ ...opts, hostname: '127.0.0.1', port: String(route), servername: opts.hostname }, callback);
    if (isIP(opts.hostname)) {
      try {
        guard.checkAddress(opts.hostname, port);
      } catch (err) {
        return callback(err as Error, null);
      }
      return plain(opts, callback);
    }
    if (!byPort.has(port)) byPort.set(port, buildConnector({ timeout, lookup: guard.lookupFor(port, resolve) }));
    return byPort.get(port)!(opts, callback);
  };
}

function testOnly<T>(table: Record<string, T>, nameOf: (key: string) => string): Record<string, T> {
  for (const key of Object.keys(table)) {
    if (!nameOf(key).endsWith('.test')) throw new Error(`testNetwork names must end in .test (got ${key})`);
  }
  return table;
}
