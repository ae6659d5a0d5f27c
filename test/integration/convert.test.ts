// POST /convert: raw and multipart uploads, keyed by content, with the same limits and errors as /media.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertImage } from '../helpers/probe.js';
import { makeJpeg } from '../helpers/images.js';
import { startOmnic, type TestOmnic } from '../helpers/omnic.js';

describe('POST /convert', () => {
  let omnic: TestOmnic;
  let jpeg: Buffer;
  before(async () => {
    jpeg = await makeJpeg(900, 600);
    omnic = await startOmnic({ OMNIC_MAX_SOURCE_BYTES: '200000' });
  });
  after(() => omnic.close());

  it('converts a raw body', async () => {
    const res = await omnic.get('/convert/thumb.webp:120x80', { method: 'POST', body: new Uint8Array(jpeg), headers: { 'Content-Type': 'image/jpeg' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-omnic-path'), 'jpg>thumb.webp');
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'webp', width: 120, height: 80 });
  });

  it('converts a multipart upload and reuses the cached source for the same bytes', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
    const res = await omnic.get('/convert/png:300x', { method: 'POST', body: form });
    assert.equal(res.status, 200);
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'png', width: 300, height: 200 });
  });

  it('refuses a body over OMNIC_MAX_SOURCE_BYTES with 413 and an empty one with 400', async () => {
    const big = Buffer.alloc(300_000, 1);
    const res = await omnic.get('/convert/png', { method: 'POST', body: new Uint8Array(big) });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error, 'source_too_large');
    const empty = await omnic.get('/convert/png', { method: 'POST', body: new Uint8Array(0) });
    assert.equal(empty.status, 400);
  });

  it('answers 422 for a PDF body under the image profile', async () => {
    const res = await omnic.get('/convert/png', { method: 'POST', body: new TextEncoder().encode('%PDF-1.4\n%%EOF\n') });
    assert.equal(res.status, 422);
    assert.equal((await res.json()).error, 'no_conversion_path');
  });
});

describe('POST /convert with a client that goes away', () => {
  it('ends a multipart upload cut off mid-body without leaving a temp file or a stuck handler', async () => {
    const { connect } = await import('node:net');
    const { readdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const omnic = await startOmnic();
    try {
      const { port } = new URL(omnic.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const boundary = 'omnicboundary';
      socket.write(
        `POST /convert/png HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n` +
          'x'.repeat(5000),
      );
      await new Promise((r) => setTimeout(r, 300));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 500));
      const tmpRoot = join(omnic.cacheDir === omnic.config.cache.dir ? omnic.cacheDir : omnic.config.cache.dir, 'tmp');
      const leftovers = [];
      for (const dir of await readdir(tmpRoot)) leftovers.push(...(await readdir(join(tmpRoot, dir))));
      assert.deepEqual(leftovers, [], 'no temp file left behind');
      assert.equal((await omnic.get('/healthz')).status, 200);
    } finally {
      await omnic.close();
    }
  });
});
