// Single flight, the bounded queue (429), and 202 placeholders while slow work goes on.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertImage, probeImage } from '../helpers/probe.js';
import { makeJpeg } from '../helpers/images.js';
import { mediaPath, startOmnic, type TestOmnic } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('single flight', () => {
  let omnic: TestOmnic;
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
    origin.route('/slowish.jpg', { body: await makeJpeg(2000, 1500), type: 'image/jpeg', delayMs: 300 });
    omnic = await startOmnic({ OMNIC_WAIT_MS: '30000' });
  });
  after(async () => {
    await omnic.close();
    await origin.close();
  });

  it('50 identical concurrent requests share one download and one conversion', async () => {
    const path = mediaPath('thumb.webp:300x200', origin.url('/slowish.jpg'));
    const responses = await Promise.all(Array.from({ length: 50 }, () => omnic.get(path)));
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) })));
    assert.ok(bodies.every((b) => b.status === 200));
    assert.equal(new Set(bodies.map((b) => sha(b.body))).size, 1, 'all bodies identical');
    await assertImage(bodies[0]!.body, { format: 'webp', width: 300, height: 200 });
    assert.equal(origin.hits('/slowish.jpg'), 1, 'one download at the origin');
    assert.equal(await omnic.metric('omnic_source_downloads_total', { outcome: 'ok' }), 1);
    assert.equal(await omnic.metric('omnic_conversions_total', { converter: 'sharp', outcome: 'ok' }), 1);
    assert.ok((await omnic.metric('omnic_coalesced_requests_total')) >= 49);
  });
});

describe('bounded queue', () => {
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
    for (const name of ['a', 'b', 'c']) origin.route(`/${name}.jpg`, { body: await makeJpeg(400, 300), type: 'image/jpeg', delayMs: 1500 });
  });
  after(() => origin.close());

  it('with 1 running and a queue of 1 full, the next distinct request gets 429 with Retry-After', async () => {
    const omnic = await startOmnic({ OMNIC_CONCURRENCY: '1', OMNIC_QUEUE_SIZE: '1', OMNIC_WAIT_MS: '50' });
    try {
      const a = await omnic.get(mediaPath('thumb.png:10x10', origin.url('/a.jpg')));
      assert.equal(a.status, 202);
      assert.equal(a.headers.get('x-omnic-state'), 'running');
      const b = await omnic.get(mediaPath('thumb.png:10x10', origin.url('/b.jpg')));
      assert.equal(b.status, 202);
      assert.equal(b.headers.get('x-omnic-state'), 'queued');
      const c = await omnic.get(mediaPath('thumb.png:10x10', origin.url('/c.jpg')));
      assert.equal(c.status, 429);
      assert.match(c.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal((await c.json()).error, 'queue_full');
      assert.equal(await omnic.metric('omnic_rejections_total', { reason: 'queue_full' }), 1);
    } finally {
      await omnic.close();
    }
  });

  it('with a queue of 0, the second distinct request gets 429 while one runs', async () => {
    const omnic = await startOmnic({ OMNIC_CONCURRENCY: '1', OMNIC_QUEUE_SIZE: '0', OMNIC_WAIT_MS: '50' });
    try {
      assert.equal((await omnic.get(mediaPath('thumb.png:11x11', origin.url('/a.jpg')))).status, 202);
      const second = await omnic.get(mediaPath('thumb.png:11x11', origin.url('/b.jpg')));
      assert.equal(second.status, 429);
      assert.ok(second.headers.get('retry-after'));
    } finally {
      await omnic.close();
    }
  });
});

describe('202 placeholders', () => {
  it('answers a slow conversion with a placeholder of the requested type and size, then the result', async () => {
    const origin = await startOrigin();
    origin.route('/slow.jpg', { body: await makeJpeg(800, 600), type: 'image/jpeg', delayMs: 1200 });
    const omnic = await startOmnic({ OMNIC_WAIT_MS: '100' });
    try {
      const path = mediaPath('thumb.webp:300x200', origin.url('/slow.jpg'));
      const first = await omnic.get(path);
      assert.equal(first.status, 202);
      assert.equal(first.headers.get('content-type'), 'image/webp');
      assert.equal(first.headers.get('cache-control'), 'no-store');
      assert.ok(first.headers.get('retry-after'));
      assert.match(first.headers.get('x-omnic-state') ?? '', /^(queued|running)$/);
      const placeholder = await probeImage(Buffer.from(await first.arrayBuffer()));
      assert.deepEqual([placeholder.format, placeholder.width, placeholder.height], ['webp', 300, 200]);
      const status = await (await omnic.get(`${path}&status=1`)).json();
      assert.equal(status.ready, false);
      assert.match(status.state, /^(queued|running)$/);
      let ready = false;
      for (let i = 0; i < 50 && !ready; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = (await (await omnic.get(`${path}&just_checking=1`)).json()).ready;
      }
      assert.ok(ready, 'the conversion finished in the background');
      const done = await omnic.get(path);
      assert.equal(done.status, 200);
      await assertImage(Buffer.from(await done.arrayBuffer()), { format: 'webp', width: 300, height: 200 });
      assert.equal(origin.hits('/slow.jpg'), 1);
    } finally {
      await omnic.close();
      await origin.close();
    }
  });

  it('remembers a failed conversion briefly instead of running it again', async () => {
    const origin = await startOrigin();
    origin.route('/broken.jpg', { body: (await makeJpeg()).subarray(0, 500), type: 'image/jpeg' });
    const omnic = await startOmnic();
    try {
      const path = mediaPath('thumb.png:20x20', origin.url('/broken.jpg'));
      assert.equal((await omnic.get(path)).status, 422);
      assert.equal((await omnic.get(path)).status, 422);
      assert.equal(await omnic.metric('omnic_conversions_total', { converter: 'sharp' }), 1);
      const status = await (await omnic.get(`${path}&status=1`)).json();
      assert.deepEqual([status.state, status.error], ['failed', 'input_rejected']);
    } finally {
      await omnic.close();
      await origin.close();
    }
  });
});
