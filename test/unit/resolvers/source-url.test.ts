// Unit tests for normalizeSourceUrl: scheme defaulting, allowed schemes, credentials, canonical IP forms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../../src/errors.js';
import { normalizeSourceUrl } from '../../../src/resolvers/source-url.js';

test('a URL without a scheme gets https://', () => {
  assert.equal(normalizeSourceUrl('files.example.com/q3-report.docx').href, 'https://files.example.com/q3-report.docx');
  assert.equal(normalizeSourceUrl('example.com:8443/a.png').href, 'https://example.com:8443/a.png');
  assert.equal(normalizeSourceUrl('localhost:3000').href, 'https://localhost:3000/');
  assert.equal(normalizeSourceUrl('//cdn.example.com/a.jpg').href, 'https://cdn.example.com/a.jpg');
  assert.equal(normalizeSourceUrl('  http://example.com/a.jpg  ').href, 'http://example.com/a.jpg');
});

test('canonical form: lower-case host, default port dropped, fragment dropped, IDN as punycode', () => {
  assert.equal(normalizeSourceUrl('HTTP://Files.EXAMPLE.com:80/A.PNG?x=1#frag').href, 'http://files.example.com/A.PNG?x=1');
  assert.equal(normalizeSourceUrl('https://example.com:443/').href, 'https://example.com/');
  assert.equal(normalizeSourceUrl('https://bücher.de/a.pdf').hostname, 'xn--bcher-kva.de');
});

test('IPv4 in decimal, hex, octal and short forms becomes dotted decimal; IPv6 is compressed', () => {
  const forms: [string, string][] = [
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f.0.0.1/', '127.0.0.1'],
    ['http://3232235777/', '192.168.1.1'],
    ['http://[0:0:0:0:0:0:0:1]/', '[::1]'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::FFFF:7F00:1]/', '[::ffff:7f00:1]'],
  ];
  for (const [raw, host] of forms) assert.equal(normalizeSourceUrl(raw).hostname, host, raw);
});

test('other schemes are a 400 that names the allowed ones', () => {
  for (const raw of ['ftp://example.com/a', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/plain,hi', 'gopher://x/', 'mailto:a@example.com']) {
    assert.throws(() => normalizeSourceUrl(raw), (err: unknown) => {
      assert.ok(err instanceof InvalidRequestError, raw);
      assert.equal(err.status, 400);
      assert.match(err.message, /only http and https/);
      return true;
    });
  }
});

test('credentials, empty and unparsable URLs are a 400', () => {
  assert.throws(() => normalizeSourceUrl('https://user:pw@example.com/a.png'), /credentials/);
  assert.throws(() => normalizeSourceUrl('https://user@example.com/a.png'), /credentials/);
  assert.throws(() => normalizeSourceUrl(''), /required/);
  assert.throws(() => normalizeSourceUrl('   '), /required/);
  assert.throws(() => normalizeSourceUrl('http://exa mple.com/'), /not a valid URL/);
  assert.throws(() => normalizeSourceUrl('http://[::1/'), /not a valid URL/);
  for (const raw of ['', 'ftp://x/', 'http://u:p@x/']) assert.throws(() => normalizeSourceUrl(raw), { status: 400, code: 'invalid_request' });
});
