// Integration tests for the HTTP resolver against real local origins: egress refusals before connect, redirects, byte cap, deadlines.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createEgressGuard, guardedConnector } from '../../src/resolvers/guard.js';
import { createHttpResolver, type EgressPolicy, type HttpResolverOptions } from '../../src/resolvers/http.js';

interface Origin {
  port: number;
  url: (path?: string) => string;
  connections: () => number;
  requests: http.IncomingMessage[];
  /** Body bytes the handler managed to hand to the socket. */
  sent: { bytes: number };
}

async function startOrigin(t: TestContext, handler: (req: http.IncomingMessage, res: http.ServerResponse, origin: Origin) => void, host = '127.0.0.1'): Promise<Origin> {
  let connections = 0;
  const origin = { requests: [], sent: { bytes: 0 } } as unknown as Origin;
  const server = http.createServer((req, res) => {
    origin.requests.push(req);
    handler(req, res, origin);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(origin, { port, connections: () => connections, url: (path = '/') => `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}` });
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return origin;
}

const body = (text: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(text);
};

function policy(overrides: Partial<EgressPolicy> = {}): EgressPolicy {
  return { allowedHosts: [], allowPrivateNetworks: false, maxSourceBytes: 10_000_000, downloadTimeoutMs: 5_000, maxRedirects: 5, ...overrides };
}

async function setup(t: TestContext, p: Partial<EgressPolicy>, options: HttpResolverOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-egress-'));
  const refusals: string[] = [];
  const resolver = createHttpResolver(policy(p), { userAgent: 'omnic/test', onConnectRefused: (r) => refusals.push(r), ...options });
  t.after(async () => {
    await resolver.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { resolver, dest: join(dir, 'source.bin'), refusals };
}

function isForbidden(err: unknown): true {
  const e = err as { status: number; code: string; message: string };
  assert.equal(e.status, 403, e.message);
  assert.equal(e.code, 'forbidden_source');
  assert.doesNotMatch(e.message, /127\.0|::1|7f00|0\.0\.0\.0/, 'the message never echoes an address');
  return true;
}

test('without private networks, loopback in every encoding and every name for it is refused before any connection', async (t) => {
  const v4 = await startOrigin(t, body('secret'));
  const v6 = await startOrigin(t, body('secret'), '::1');
  const { resolver, dest, refusals } = await setup(t, { allowPrivateNetworks: false }, { testNetwork: { hosts: { 'loopback.test': ['::1', '127.0.0.1'] } } });
  const p = v4.port;
  const literals = [`http://127.0.0.1:${p}/`, `http://2130706433:${p}/`, `http://0x7f000001:${p}/`, `http://0177.0.0.1:${p}/`, `http://127.1:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/`, `http://0:${p}/`, `http://[::1]:${v6.port}/`];
  for (const raw of literals) {
    assert.throws(() => resolver.precheck(new URL(raw)), isForbidden, raw);
    await assert.rejects(resolver.fetchToFile(new URL(raw), dest), isForbidden, raw);
  }
  // Names are resolved and every answer checked inside the connect, so the refusal comes before the SYN.
  for (const raw of [`http://localhost:${p}/`, `http://localhost:${v6.port}/`, `http://loopback.test:${p}/`]) {
    resolver.precheck(new URL(raw));
    await assert.rejects(resolver.fetchToFile(new URL(raw), dest), isForbidden, raw);
  }
  assert.equal(v4.connections(), 0);
  assert.equal(v6.connections(), 0);
  assert.equal(existsSync(dest), false);
  assert.ok(refusals.length >= literals.length + 3 && refusals.every((r) => r === 'private_address' || r === 'reserved_address'), refusals.join());
});

test('the connector itself refuses loopback literals and names, so no caller can skip the check', async (t) => {
  const origin = await startOrigin(t, body('secret'));
  const connect = guardedConnector(createEgressGuard({ allowedHosts: [], allowPrivateNetworks: false }), 2_000);
  for (const hostname of ['127.0.0.1', '::ffff:7f00:1', 'localhost']) {
    const err = await new Promise<Error | null>((resolve) =>
      connect({ hostname, protocol: 'http:', port: String(origin.port) }, (e, socket) => {
        socket?.destroy();
        resolve(e);
      }),
    );
    assert.ok(err && isForbidden(err), hostname);
  }
  assert.equal(origin.connections(), 0);
});

test('with private networks, local origins download; only omnic headers go upstream', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('content-type', 'Application/PDF; qs=1');
    res.setHeader('content-disposition', `attachment; filename*=UTF-8''q3%20report.pdf`);
    res.end('%PDF-1.4 fake but real bytes');
  });
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true });
  for (const raw of [origin.url('/files/a.bin?x=1'), `http://localhost:${origin.port}/b`, `http://[::ffff:127.0.0.1]:${origin.port}/c`]) {
    const download = await resolver.fetchToFile(new URL(raw), dest);
    assert.equal(readFileSync(dest, 'utf8'), '%PDF-1.4 fake but real bytes');
    assert.equal(download.size, 28);
    assert.equal(download.contentType, 'application/pdf');
    assert.equal(download.filename, 'q3 report.pdf');
    assert.equal(download.finalUrl, new URL(raw).href);
  }
  const headers = origin.requests[0]!.headers;
  assert.equal(headers['user-agent'], 'omnic/test');
  assert.equal(headers['accept-encoding'], 'identity');
  assert.equal(headers['accept'], '*/*');
  assert.deepEqual(Object.keys(headers).sort(), ['accept', 'accept-encoding', 'connection', 'host', 'user-agent']);
});

test('the file name hint falls back to the final URL path', async (t) => {
  const origin = await startOrigin(t, body('x'));
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true });
  assert.equal((await resolver.fetchToFile(new URL(origin.url('/dir/Report%20Q3.docx')), dest)).filename, 'Report Q3.docx');
  assert.equal((await resolver.fetchToFile(new URL(origin.url('/')), dest)).filename, undefined);
});

test('with private networks, reserved answers (0.0.0.0, metadata) are still refused at connect time', async (t) => {
  const origin = await startOrigin(t, body('x'));
  // 0.0.0.0 reaches the local listener on Linux, so a missed check would show up as a connection.
  const { resolver, dest, refusals } = await setup(t, { allowPrivateNetworks: true }, { testNetwork: { hosts: { 'zero.test': ['0.0.0.0'], 'mixed.test': ['127.0.0.1', '0.0.0.0'] } } });
  for (const name of ['zero.test', 'mixed.test']) {
    const url = new URL(`http://${name}:${origin.port}/`);
    resolver.precheck(url);
    await assert.rejects(resolver.fetchToFile(url, dest), isForbidden);
  }
  assert.equal(origin.connections(), 0);
  assert.deepEqual(refusals, ['reserved_address', 'reserved_address']);
});

test('a public origin that redirects to a forbidden address is refused at that hop', async (t) => {
  const inner = await startOrigin(t, body('internal secret'));
  const targets: Record<string, string> = {
    '/to-literal': inner.url('/'),
    '/to-mapped': `http://[::ffff:7f00:1]:${inner.port}/`,
    '/to-localhost': `http://localhost:${inner.port}/`,
    '/to-other-host': 'http://other.test/',
    '/to-file': 'file:///etc/passwd',
    '/to-self': '/final.txt',
  };
  const front = await startOrigin(t, (req, res) => {
    if (req.url === '/final.txt') return body('public file')(req, res);
    res.writeHead(302, { location: targets[req.url!] ?? '/' }).end();
  });
  const network = { testNetwork: { publicOrigins: { 'public.test:80': front.port, 'other.test:80': inner.port } } };
  const { resolver, dest, refusals } = await setup(t, { allowPrivateNetworks: false }, network);
  const ok = await resolver.fetchToFile(new URL('http://public.test/to-self'), dest);
  assert.equal(ok.finalUrl, 'http://public.test/final.txt');
  assert.equal(readFileSync(dest, 'utf8'), 'public file');
  for (const path of ['/to-literal', '/to-mapped', '/to-localhost', '/to-file']) {
    await assert.rejects(resolver.fetchToFile(new URL(`http://public.test${path}`), dest), isForbidden, path);
    assert.equal(existsSync(dest), false);
  }
  assert.deepEqual(refusals, ['private_address', 'private_address', 'private_address', 'scheme_not_allowed']);
  // The allow-list is re-checked on every hop too.
  const listed = await setup(t, { allowPrivateNetworks: false, allowedHosts: ['public.test'] }, network);
  await assert.rejects(listed.resolver.fetchToFile(new URL('http://public.test/to-other-host'), listed.dest), isForbidden);
  assert.deepEqual(listed.refusals, ['host_not_allowed']);
  assert.equal(inner.connections(), 0, 'the forbidden hop never reaches the inner server');
});

test('redirects are followed up to the limit, and one more is a 502', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    const n = Number(req.url!.slice(1));
    if (n >= 3) return body(`arrived after ${n}`)(req, res);
    res.writeHead(n % 2 ? 301 : 307, { location: `/${n + 1}` }).end();
  });
  const exact = await setup(t, { allowPrivateNetworks: true, maxRedirects: 3 });
  assert.equal((await exact.resolver.fetchToFile(new URL(origin.url('/0')), exact.dest)).finalUrl, origin.url('/3'));
  assert.equal(readFileSync(exact.dest, 'utf8'), 'arrived after 3');

  const short = await setup(t, { allowPrivateNetworks: true, maxRedirects: 2 });
  const before = origin.requests.length;
  await assert.rejects(short.resolver.fetchToFile(new URL(origin.url('/0')), short.dest), (err: { status: number; code: string; message: string }) => {
    assert.equal(err.status, 502);
    assert.equal(err.code, 'source_unavailable');
    assert.match(err.message, /redirected more than 2 times/);
    return true;
  });
  assert.equal(origin.requests.length - before, 3, 'the original request and two redirects, no more');
  assert.equal(existsSync(short.dest), false);
});

function streamBytes(total: number, withLength: boolean) {
  return (_req: http.IncomingMessage, res: http.ServerResponse, origin: Origin) => {
    if (withLength) res.setHeader('content-length', total);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (origin.sent.bytes < total) {
        origin.sent.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  };
}

test('the byte cap is enforced while streaming: the download stops early and the partial file is deleted', async (t) => {
  const total = 64 * 1024 * 1024;
  const origin = await startOrigin(t, streamBytes(total, false));
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true, maxSourceBytes: 1_000_000 });
  await assert.rejects(resolver.fetchToFile(new URL(origin.url('/big')), dest), { status: 413, code: 'source_too_large' });
  assert.equal(existsSync(dest), false);
  assert.ok(origin.sent.bytes < total / 4, `the server could only send ${origin.sent.bytes} of ${total} bytes`);
});

test('a Content-Length over the cap is a 413 before the body is read', async (t) => {
  const total = 64 * 1024 * 1024;
  const origin = await startOrigin(t, streamBytes(total, true));
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true, maxSourceBytes: 1_000_000 });
  await assert.rejects(resolver.fetchToFile(new URL(origin.url('/big')), dest), { status: 413, code: 'source_too_large' });
  assert.equal(existsSync(dest), false);
  assert.ok(origin.sent.bytes < total / 4);
});

test('a body of exactly the cap downloads', async (t) => {
  const origin = await startOrigin(t, streamBytes(10 * 64 * 1024, true));
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true, maxSourceBytes: 10 * 64 * 1024 });
  assert.equal((await resolver.fetchToFile(new URL(origin.url('/')), dest)).size, 10 * 64 * 1024);
});

test('a trickling or silent source times out at the deadline with a 502', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    if (req.url === '/silent') return; // never answers
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write('x'), 100);
    res.on('close', () => clearInterval(timer));
  });
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true, downloadTimeoutMs: 800 });
  for (const path of ['/trickle', '/silent']) {
    const started = Date.now();
    await assert.rejects(resolver.fetchToFile(new URL(origin.url(path)), dest), (err: { status: number; code: string; message: string }) => {
      assert.equal(err.status, 502);
      assert.equal(err.code, 'source_unavailable');
      assert.match(err.message, /timed out after 800 ms/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 700 && elapsed < 2_500, `${path} gave up after ${elapsed} ms`);
    assert.equal(existsSync(dest), false);
  }
});

test('upstream errors, refused connections and unknown names are a 502 with a plain reason', async (t) => {
  const origin = await startOrigin(t, (req, res) => res.writeHead(req.url === '/gone' ? 404 : 500).end('nope'));
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true }, { testNetwork: { hosts: { 'nowhere.test': [] } } });
  const cases: [string, RegExp][] = [
    [origin.url('/gone'), /HTTP 404/],
    [origin.url('/boom'), /HTTP 500/],
    [`http://127.0.0.1:${closedPort}/`, /refused the connection/],
    [`https://127.0.0.1:${origin.port}/`, /TLS handshake with the source failed/],
    ['http://nowhere.test/', /could not be resolved/],
  ];
  for (const [raw, reason] of cases) {
    await assert.rejects(resolver.fetchToFile(new URL(raw), dest), (err: { status: number; code: string; message: string }) => {
      assert.equal(err.status, 502, raw);
      assert.equal(err.code, 'source_unavailable');
      assert.match(err.message, reason);
      assert.doesNotMatch(err.message, /127\.0\.0\.1/);
      return true;
    });
    assert.equal(existsSync(dest), false);
  }
});

test('an abort from the caller stops the download with the caller\'s reason and deletes the partial file', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200);
    const timer = setInterval(() => res.write(Buffer.alloc(1024)), 20);
    res.on('close', () => clearInterval(timer));
  });
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('client went away')), 200);
  await assert.rejects(resolver.fetchToFile(new URL(origin.url('/')), dest, controller.signal), /client went away/);
  assert.equal(existsSync(dest), false);
});

test('test-only network names must be .test names', () => {
  assert.throws(() => createHttpResolver(policy(), { testNetwork: { publicOrigins: { 'example.com:80': 1234 } } }), /\.test/);
  assert.throws(() => createHttpResolver(policy(), { testNetwork: { hosts: { 'example.com': ['127.0.0.1'] } } }), /\.test/);
});

test('a source of known, modest size is also handed back in memory; unsized and large ones only go to disk', async (t) => {
  const sized = await startOrigin(t, body('%PDF-1.4 small'));
  const unsized = await startOrigin(t, streamBytes(3 * 64 * 1024, false));
  const large = await startOrigin(t, streamBytes(17 * 2 ** 20, true));
  const { resolver, dest } = await setup(t, { allowPrivateNetworks: true, maxSourceBytes: 50_000_000 });
  const small = await resolver.fetchToFile(new URL(sized.url('/a.pdf')), dest);
  assert.equal(small.body?.toString(), '%PDF-1.4 small');
  assert.equal(readFileSync(dest, 'utf8'), '%PDF-1.4 small');
  const streamed = await resolver.fetchToFile(new URL(unsized.url('/b')), dest);
  assert.equal(streamed.body, undefined);
  assert.equal(readFileSync(dest).length, 3 * 64 * 1024);
  const big = await resolver.fetchToFile(new URL(large.url('/c')), dest);
  assert.equal(big.body, undefined);
  assert.equal(big.size, 17 * 2 ** 20);
});
