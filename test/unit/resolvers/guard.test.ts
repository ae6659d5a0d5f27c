// Unit tests for the egress guard: address classes in every form, host globs, ports, and the connect-time lookup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAddress, createEgressGuard, EgressDeniedError, hostAllowed } from '../../../src/resolvers/guard.js';
import { normalizeSourceUrl } from '../../../src/resolvers/source-url.js';

const PUBLIC = ['93.184.216.34', '1.1.1.1', '8.8.8.8', '2606:4700::1', '2a00:1450:4001:80b::200e', '::ffff:93.184.216.34', '192.175.48.1'];
const PRIVATE = [
  '127.0.0.1', '127.255.255.254', '::1', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', 'fe80::1', 'fe80::1%lo',
  '100.64.0.1', '100.127.255.254', 'fc00::1', 'fd12:3456::1',
  // IPv4 embedded in IPv6: judged by the IPv4 address inside
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '2002:7f00:1::', '2002:c0a8:101::1', '64:ff9b::7f00:1', '64:ff9b::10.1.2.3', '::ffff:0:7f00:1',
];
const RESERVED = [
  '0.0.0.0', '0.1.2.3', '::', '255.255.255.255', '224.0.0.1', '239.255.255.250', 'ff02::1', '240.0.0.1', '192.0.2.1', '198.51.100.7', '203.0.113.9', '198.18.0.1',
  '2001:db8::1', '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '100::1', '::7f00:1', '::127.0.0.1', '::2',
  // metadata endpoints, in their own and mapped forms
  '169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '64:ff9b::169.254.169.254',
  'not-an-ip', '',
];

test('public unicast addresses are public', () => {
  for (const a of PUBLIC) assert.equal(classifyAddress(a), 'public', a);
});

test('loopback, private, link-local, CGNAT, ULA and their IPv4-embedding forms are private', () => {
  for (const a of PRIVATE) assert.equal(classifyAddress(a), 'private', a);
});

test('unspecified, multicast, broadcast, documentation, Teredo, IPv4-compatible and metadata addresses are reserved', () => {
  for (const a of RESERVED) assert.equal(classifyAddress(a), 'reserved', a);
});

test('bracketed IPv6 hosts classify like the bare address', () => {
  assert.equal(classifyAddress('[::1]'), 'private');
  assert.equal(classifyAddress('[2606:4700::1]'), 'public');
});

test('every encoding of loopback in a URL is refused by the guard without private networks', () => {
  const guard = createEgressGuard({ allowedHosts: [], allowPrivateNetworks: false });
  const forms = ['http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://0x7f.1/', 'http://[::1]/',
    'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/', 'http://0/', 'http://[::]/', 'https://169.254.169.254/'];
  for (const form of forms) {
    assert.throws(() => guard.checkUrl(normalizeSourceUrl(form)), (err: unknown) => {
      assert.ok(err instanceof EgressDeniedError, form);
      assert.equal(err.status, 403);
      assert.equal(err.code, 'forbidden_source');
      assert.doesNotMatch(err.message, /127\.|::1|7f00|169\.254/, 'the message never echoes the address');
      return true;
    });
  }
});

test('private literals pass with allowPrivateNetworks on any port; metadata never does', () => {
  const guard = createEgressGuard({ allowedHosts: [], allowPrivateNetworks: true });
  guard.checkUrl(new URL('http://127.0.0.1:54321/a.png'));
  guard.checkUrl(new URL('http://[::1]:8080/'));
  guard.checkUrl(new URL('http://10.1.2.3:9000/'));
  assert.throws(() => guard.checkUrl(new URL('http://169.254.169.254/latest/meta-data/')), { reason: 'reserved_address' });
  assert.throws(() => guard.checkUrl(new URL('http://[fd00:ec2::254]/')), { reason: 'reserved_address' });
  assert.throws(() => guard.checkUrl(new URL('http://0.0.0.0:8080/')), { reason: 'reserved_address' });
});

test('public addresses are held to ports 80 and 443', () => {
  const guard = createEgressGuard({ allowedHosts: [], allowPrivateNetworks: true });
  guard.checkUrl(new URL('http://93.184.216.34/'));
  guard.checkUrl(new URL('https://93.184.216.34/'));
  guard.checkUrl(new URL('http://93.184.216.34:443/'));
  assert.throws(() => guard.checkUrl(new URL('http://93.184.216.34:22/')), { reason: 'port_not_allowed', status: 403 });
  assert.throws(() => guard.checkAddress('2606:4700::1', 6379), { reason: 'port_not_allowed' });
  // Names are judged at connect time, when the address (and so the port rule) is known.
  guard.checkUrl(new URL('http://files.example.com:8080/'));
});

test('only http and https pass', () => {
  const guard = createEgressGuard({ allowedHosts: [], allowPrivateNetworks: false });
  assert.throws(() => guard.checkUrl(new URL('ftp://example.com/x')), { reason: 'scheme_not_allowed' });
  assert.throws(() => guard.checkUrl(new URL('file:///etc/passwd')), { reason: 'scheme_not_allowed' });
});

test('host globs: *.example.com matches subdomains, not the apex; exact names; case-insensitive', () => {
  const globs = ['*.example.com', 'Files.Example.ORG', '93.184.216.34', '[2606:4700::1]'];
  for (const host of ['a.example.com', 'A.B.EXAMPLE.COM', 'files.example.org', 'files.example.org.', '93.184.216.34', '[2606:4700::1]']) {
    assert.ok(hostAllowed(host, globs), host);
  }
  for (const host of ['example.com', 'evilexample.com', 'example.com.evil.net', 'a.files.example.org', 'example.org', '93.184.216.35']) {
    assert.ok(!hostAllowed(host, globs), host);
  }
  assert.ok(hostAllowed('anything.net', []), 'an empty list allows any host');
  assert.ok(hostAllowed('xn--bcher-kva.de', ['bücher.de']), 'unicode entries match their punycode host');
  assert.ok(hostAllowed('a.xn--bcher-kva.de', ['*.bücher.de']));
});

test('a host outside OMNIC_ALLOWED_HOSTS is refused without echoing the list', () => {
  const guard = createEgressGuard({ allowedHosts: ['*.example.com', 'secret-intranet.corp'], allowPrivateNetworks: false });
  guard.checkUrl(new URL('https://img.example.com/a.png'));
  assert.throws(() => guard.checkUrl(new URL('https://example.net/a.png')), (err: unknown) => {
    assert.ok(err instanceof EgressDeniedError);
    assert.equal(err.reason, 'host_not_allowed');
    assert.equal(err.message, 'The source host is not in OMNIC_ALLOWED_HOSTS.');
    return true;
  });
});

function lookupWith(answers: string[], allowPrivateNetworks: boolean, port = 80, all = true): Promise<unknown> {
  const guard = createEgressGuard({ allowedHosts: [], allowPrivateNetworks });
  const resolve = async () => answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return new Promise((resolvePromise, reject) => {
    guard.lookupFor(port, resolve)('host.test', { all }, (err: Error | null, address: unknown) => (err ? reject(err) : resolvePromise(address)));
  });
}

test('the connect-time lookup refuses when ANY answer is forbidden, and hands over exactly the checked answers', async () => {
  assert.deepEqual(await lookupWith(['93.184.216.34', '2606:4700::1'], false), [
    { address: '93.184.216.34', family: 4 },
    { address: '2606:4700::1', family: 6 },
  ]);
  assert.equal(await lookupWith(['93.184.216.34'], false, 443, false), '93.184.216.34');
  await assert.rejects(lookupWith(['93.184.216.34', '127.0.0.1'], false), { reason: 'private_address' });
  await assert.rejects(lookupWith(['::ffff:10.0.0.1'], false), { reason: 'private_address' });
  await assert.rejects(lookupWith(['127.0.0.1', '169.254.169.254'], true), { reason: 'reserved_address' });
  await assert.rejects(lookupWith(['93.184.216.34'], true, 8080), { reason: 'port_not_allowed' });
  assert.deepEqual(await lookupWith(['127.0.0.1'], true, 8080), [{ address: '127.0.0.1', family: 4 }]);
  await assert.rejects(lookupWith([], true), { code: 'ENOTFOUND' });
});
