// /media end to end in-process: thumbnails, caching layers, errors, conditional and range requests, HEAD, status.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { assertImage } from '../helpers/probe.js';
import { makeJpeg } from '../helpers/images.js';
import { mediaPath, startOmnic, type TestOmnic } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

describe('/media with the image profile', () => {
  let omnic: TestOmnic;
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
    origin.route('/photo.jpg', { body: await makeJpeg(), type: 'image/jpeg' });
    origin.route('/other.jpg', { body: await makeJpeg(640, 480), type: 'image/jpeg' });
    origin.route('/doc.pdf', { body: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'), type: 'application/pdf' });
    origin.route('/garbage.bin', { body: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 255]), type: 'application/octet-stream' });
    origin.route('/truncated.jpg', { body: (await makeJpeg()).subarray(0, 600), type: 'image/jpeg' });
    omnic = await startOmnic();
  });
  after(async () => {
    await omnic.close();
    await origin.close();
  });

  it('makes a 300×200 webp thumbnail of a JPEG with the documented headers', async () => {
    const res = await omnic.get(mediaPath('thumb.webp:300x200', origin.url('/photo.jpg')));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/webp');
    assert.equal(res.headers.get('x-omnic-path'), 'jpg>thumb.webp');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]+"$/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get('content-length')), body.length);
    await assertImage(body, { format: 'webp', width: 300, height: 200 });
  });

  it('answers the second request from the result cache without downloading again', async () => {
    const path = mediaPath('thumb.png:120x90', origin.url('/other.jpg'));
    const hitsBefore = await omnic.metric('omnic_cache_hits_total', { layer: 'result' });
    assert.equal((await omnic.get(path)).status, 200);
    assert.equal((await omnic.get(path)).status, 200);
    assert.equal(await omnic.metric('omnic_cache_hits_total', { layer: 'result' }), hitsBefore + 1);
    assert.equal(origin.hits('/other.jpg'), 1);
  });

  it('reuses the downloaded source for another size', async () => {
    const before = origin.hits('/photo.jpg');
    const res = await omnic.get(mediaPath('thumb.jpg:64x64', origin.url('/photo.jpg')));
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'jpeg', width: 64, height: 64 });
    assert.equal(origin.hits('/photo.jpg'), before);
  });

  it('keeps the aspect ratio for plain sizes (fit=inside) and never upscales', async () => {
    const res = await omnic.get(mediaPath('png:300x300', origin.url('/photo.jpg')));
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'png', width: 300, height: 200 });
    const big = await omnic.get(mediaPath('png:4000x', origin.url('/other.jpg')));
    await assertImage(Buffer.from(await big.arrayBuffer()), { format: 'png', width: 640, height: 480 });
  });

  it('honours fit=contain with a background and dpr', async () => {
    const res = await omnic.get(mediaPath('thumb.jpg:100x100,fit=contain,bg=ff0000,dpr=2', origin.url('/photo.jpg')));
    const probe = await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'jpeg', width: 200, height: 200 });
    assert.ok(probe.spread > 0);
  });

  it('answers 422 no_conversion_path for a PDF under the image profile', async () => {
    const res = await omnic.get(mediaPath('thumb.png:200x200', origin.url('/doc.pdf')));
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.equal(body.error, 'no_conversion_path');
    assert.match(body.message, /pdf/);
    assert.ok(body.requestId);
  });

  it('detects an old Office file by its bytes alone (no telling name or type), held in memory', async () => {
    origin.route('/download', { body: await readFile('test/fixtures/zoo/files/office/letter.doc'), type: 'application/octet-stream' });
    const res = await omnic.get(mediaPath('thumb.png:200x200', origin.url('/download')));
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.equal(body.error, 'no_conversion_path');
    assert.match(body.message, /msword|doc/i);
  });

  it('answers 415 for bytes omnic does not recognise, 422 for a truncated JPEG', async () => {
    const unknown = await omnic.get(mediaPath('png', origin.url('/garbage.bin')));
    assert.equal(unknown.status, 415);
    assert.equal((await unknown.json()).error, 'unsupported_format');
    const broken = await omnic.get(mediaPath('thumb.png:50x50', origin.url('/truncated.jpg')));
    assert.equal(broken.status, 422);
    assert.equal((await broken.json()).error, 'input_rejected');
  });

  it('answers 400 naming the problem for bad typestrings and urls', async () => {
    for (const [path, pattern] of [
      [mediaPath('thumb.png:200x200,zoom=2', origin.url('/photo.jpg')), /zoom/],
      [mediaPath('nope', origin.url('/photo.jpg')), /Unknown format/],
      [mediaPath('png:9000x10', origin.url('/photo.jpg')), /8192/],
      [mediaPath('png:fit=wide', origin.url('/photo.jpg')), /cover, contain, inside/],
      [mediaPath('png', 'ftp://example.com/x.png'), /http/],
      ['/media/png/', /url/],
    ] as const) {
      const res = await omnic.get(path);
      assert.equal(res.status, 400, path);
      const body = await res.json();
      assert.equal(body.error, 'invalid_request');
      assert.match(body.message, pattern);
    }
  });

  it('answers 502 when the origin fails', async () => {
    const res = await omnic.get(mediaPath('png', origin.url('/missing.jpg')));
    assert.equal(res.status, 502);
    assert.equal((await res.json()).error, 'source_unavailable');
  });

  it('supports If-None-Match (304) and Range (206)', async () => {
    const path = mediaPath('thumb.webp:300x200', origin.url('/photo.jpg'));
    const first = await omnic.get(path);
    const etag = first.headers.get('etag')!;
    const full = Buffer.from(await first.arrayBuffer());
    const notModified = await omnic.get(path, { headers: { 'If-None-Match': etag } });
    assert.equal(notModified.status, 304);
    const partial = await omnic.get(path, { headers: { Range: 'bytes=0-9' } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers.get('content-range'), `bytes 0-9/${full.length}`);
    assert.deepEqual(Buffer.from(await partial.arrayBuffer()), full.subarray(0, 10));
    const outside = await omnic.get(path, { headers: { Range: `bytes=${full.length + 5}-` } });
    assert.equal(outside.status, 416);
  });

  it('HEAD never starts work; status and just_checking report state', async () => {
    origin.route('/head-only.jpg', { body: await makeJpeg(300, 300), type: 'image/jpeg' });
    const path = mediaPath('thumb.png:50x50', origin.url('/head-only.jpg'));
    const head = await omnic.get(path, { method: 'HEAD' });
    assert.equal(head.status, 404);
    assert.equal(head.headers.get('x-omnic-state'), 'missing');
    assert.deepEqual(await (await omnic.get(`${path}&status=1`)).json(), { state: 'missing', ready: false, path: [] });
    assert.equal((await (await omnic.get(`${path}&just_checking=1`)).json()).ready, false);
    assert.equal(origin.hits('/head-only.jpg'), 0);
    assert.equal((await omnic.get(path)).status, 200);
    const done = await (await omnic.get(`${path}&status=1`)).json();
    assert.deepEqual(done, { state: 'done', ready: true, path: ['jpg', 'thumb.png'] });
    const headDone = await omnic.get(path, { method: 'HEAD' });
    assert.equal(headDone.status, 200);
    assert.equal(headDone.headers.get('content-type'), 'image/png');
  });

  it('serves ops routes', async () => {
    assert.deepEqual(await (await omnic.get('/healthz')).json(), { status: 'ok' });
    assert.equal((await omnic.get('/readyz')).status, 200);
    const formats = await (await omnic.get('/formats')).json();
    assert.equal(formats.profile, 'image');
    const jpeg = formats.inputs.find((i: { ext: string }) => i.ext === 'jpg');
    assert.ok(jpeg.thumbnails);
    assert.ok(jpeg.outputs.some((o: { ext: string }) => o.ext === 'webp'));
    assert.ok(!formats.inputs.some((i: { ext: string }) => i.ext === 'pdf'));
    const version = await (await omnic.get('/version')).json();
    assert.equal(version.profile, 'image');
    assert.match(version.converters[0].library, /sharp/);
    const metrics = await (await omnic.get('/metrics')).text();
    for (const name of ['omnic_http_requests_total', 'omnic_queue_waiting', 'omnic_jobs_running', 'omnic_cache_bytes', 'process_cpu_user_seconds_total']) {
      assert.ok(metrics.includes(name), name);
    }
    assert.ok(!/url=|127\.0\.0\.1/.test(metrics), 'metrics must not carry URLs');
    assert.equal((await omnic.get('/nope')).status, 404);
  });
});

describe('/media memoised hits', () => {
  it('a result evicted from the cache is converted again, not answered from the memo', async () => {
    const origin = await startOrigin();
    // Each source is ~13 KB: a 14 KB cap holds one source, so the second source pushes the first one's thumbnail out.
    origin.route('/a.jpg', { body: await makeJpeg(800, 600), type: 'image/jpeg' });
    origin.route('/b.jpg', { body: await makeJpeg(801, 600), type: 'image/jpeg' });
    const omnic = await startOmnic({ OMNIC_CACHE_MAX_BYTES: '14KB' });
    try {
      const a = mediaPath('thumb.png:50x50', origin.url('/a.jpg'));
      assert.equal((await omnic.get(a)).status, 200);
      assert.equal((await omnic.get(a)).status, 200);
      assert.equal(origin.hits('/a.jpg'), 1, 'the second request was a hit');
      assert.equal((await omnic.get(mediaPath('thumb.png:50x50', origin.url('/b.jpg')))).status, 200);
      await omnic.settled(); // b's entries are written after its answer; they are what pushes a's result out
      assert.ok((await omnic.metric('omnic_cache_evictions_total')) > 0, 'the cap evicted something');
      const again = await omnic.get(a);
      assert.equal(again.status, 200);
      await assertImage(Buffer.from(await again.arrayBuffer()), { format: 'png', width: 50, height: 50 });
      assert.equal(origin.hits('/a.jpg'), 2, 'evicted, so downloaded and converted again');
    } finally {
      await omnic.close();
      await origin.close();
    }
  });
});
