// OMNIC_WORKERS=2 on a real `omnic serve`: workers answer hits, misses reach the one converting process (single
// flight holds across processes), /metrics sums every process, a dead worker is replaced, SIGTERM drains and exits 0.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeJpeg } from '../helpers/images.js';
import { mediaPath, serveProcess } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { assertImage } from '../helpers/probe.js';

function metric(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('OMNIC_WORKERS=2', () => {
  let origin: Origin;
  let cacheDir: string;
  let omnic: { child: ChildProcess; url: string };

  before(async () => {
    origin = await startOrigin();
    origin.route('/photo.jpg', { body: await makeJpeg(1200, 800), type: 'image/jpeg', delayMs: 300 });
    origin.route('/other.jpg', { body: await makeJpeg(640, 480), type: 'image/jpeg' });
    cacheDir = await mkdtemp(join(tmpdir(), 'omnic-workers-'));
    omnic = await serveProcess({ OMNIC_WORKERS: '2', OMNIC_LOG_LEVEL: 'info', OMNIC_CACHE_DIR: cacheDir, OMNIC_WAIT_MS: '30000' });
  });
  after(async () => {
    omnic.child.kill('SIGKILL');
    await origin.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('runs one primary and two workers', () => {
    assert.equal(childrenOf(omnic.child.pid!).length, 2);
  });

  it('converts identical concurrent requests once, then answers hits from the workers, counted in /metrics', async () => {
    const url = `${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/photo.jpg'))}`;
    const first = await Promise.all(Array.from({ length: 20 }, () => fetch(url).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) }))));
    for (const r of first) {
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(first[0]!.body), 'every request got the same bytes');
    }
    await assertImage(first[0]!.body, { format: 'webp', width: 300, height: 200 });
    assert.equal(origin.hits('/photo.jpg'), 1);
    // Hits: over many connections, so both workers answer some; every one is counted once in the summed /metrics.
    const hits = await Promise.all(Array.from({ length: 60 }, () => fetch(url, { headers: { connection: 'close' } }).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()), etag: r.headers.get('etag') }))));
    for (const r of hits) {
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(first[0]!.body));
    }
    const notModified = await fetch(url, { headers: { 'if-none-match': hits[0]!.etag! } });
    assert.equal(notModified.status, 304);
    const text = await (await fetch(`${omnic.url}/metrics`)).text();
    assert.equal(metric(text, 'omnic_conversions_total'), 1);
    assert.equal(metric(text, 'omnic_source_downloads_total'), 1);
    assert.equal(metric(text, 'omnic_http_requests_total{route="media",method="GET",status="200"}'), 80);
    assert.ok(metric(text, 'omnic_cache_hits_total{layer="result"}') >= 60, 'hits answered by the workers are in /metrics');
    assert.ok(metric(text, 'omnic_coalesced_requests_total') >= 1);
  });

  it('answers cached results from the workers alone, even while the converting process is frozen', async () => {
    const url = `${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/photo.jpg'))}`;
    const expected = Buffer.from(await (await fetch(url)).arrayBuffer());
    process.kill(omnic.child.pid!, 'SIGSTOP');
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) }).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) })),
        ),
      );
      for (const r of answers) {
        assert.equal(r.status, 200);
        assert.ok(r.body.equals(expected));
      }
    } finally {
      process.kill(omnic.child.pid!, 'SIGCONT');
    }
  });

  it('passes everything else to the converting process: ranges, status, uploads, errors', async () => {
    const url = `${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/photo.jpg'))}`;
    const range = await fetch(url, { headers: { range: 'bytes=0-99' } });
    assert.equal(range.status, 206);
    assert.equal((await range.arrayBuffer()).byteLength, 100);
    const status = await (await fetch(`${url}&status=1`)).json();
    assert.equal(status.state, 'done');
    const upload = await fetch(`${omnic.url}/convert/thumb.png:64x64`, { method: 'POST', body: new Uint8Array(await makeJpeg(200, 100)), headers: { 'content-type': 'image/jpeg' } });
    assert.equal(upload.status, 200);
    await assertImage(Buffer.from(await upload.arrayBuffer()), { format: 'png', width: 64, height: 64 });
    const bad = await fetch(`${omnic.url}/media/thumb.webp:0x0/?url=${encodeURIComponent(origin.url('/photo.jpg'))}`);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error, 'invalid_request');
    const version = await (await fetch(`${omnic.url}/version`)).json();
    assert.equal(version.profile, 'image');
  });

  it('replaces a worker that dies, and its counts stay in /metrics', async () => {
    const requests = async () => metric(await (await fetch(`${omnic.url}/metrics`)).text(), 'omnic_http_requests_total{route="media"');
    const before = await requests();
    const [victim] = childrenOf(omnic.child.pid!);
    process.kill(victim!, 'SIGKILL');
    // One listing per look: the victim lingers until the primary reaps it, and its replacement comes a second later.
    let now = childrenOf(omnic.child.pid!);
    for (let i = 0; i < 300 && !(now.length === 2 && !now.includes(victim!)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = childrenOf(omnic.child.pid!);
    }
    assert.equal(now.length, 2);
    assert.ok(!now.includes(victim!));
    const res = await fetch(`${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/photo.jpg'))}`);
    assert.equal(res.status, 200);
    assert.ok((await requests()) >= before + 1, 'counters never go down when a worker is replaced');
  });

  it('drains on SIGTERM: the in-flight conversion completes, new work gets 503, every process exits', async () => {
    origin.route('/slow.jpg', { body: await makeJpeg(), type: 'image/jpeg', delayMs: 2000 });
    const workers = childrenOf(omnic.child.pid!);
    const inFlight = fetch(`${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/slow.jpg'))}`);
    await new Promise((r) => setTimeout(r, 400));
    omnic.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await fetch(`${omnic.url}/readyz`)).status, 503);
    const fresh = await fetch(`${omnic.url}${mediaPath('thumb.png:50x50', origin.url('/other.jpg'))}`);
    assert.equal(fresh.status, 503);
    assert.equal((await fresh.json()).error, 'draining');
    const hit = await fetch(`${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/photo.jpg'))}`);
    assert.equal(hit.status, 200, 'cached results are still answered while draining');
    const res = await inFlight;
    assert.equal(res.status, 200);
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'webp', width: 300, height: 200 });
    const [code] = await once(omnic.child, 'exit');
    assert.equal(code, 0);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'worker process is gone');
    assert.equal(origin.hits('/other.jpg'), 0);
  });
});

it('OMNIC_WORKERS rejects what is not auto or a whole number', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { env: { ...process.env, OMNIC_WORKERS: 'many', OMNIC_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.notEqual(code, 0);
  assert.match(stderr, /OMNIC_WORKERS: must be auto or a whole number/);
});
