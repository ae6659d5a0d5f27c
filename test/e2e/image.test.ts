// The `image` target (sharp only, no system converters): converts images by GET and POST, refuses documents, stays small.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { SPECIMENS } from '../fixtures/zoo/index.js';
import { assertImage } from '../helpers/probe.js';
import { assertError, assertRefused, mediaUrl, request } from './helpers/http.js';
import { imageSize } from './helpers/images.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { minimalPdf, patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

describe('image target', { skip: e2eSkip() }, () => {
  let omnic: RunningOmnic;
  let origin: Origin;
  let png: string;
  let jpeg: Buffer;

  before(async () => {
    origin = await startOrigin();
    const pattern = await patternPng();
    png = origin.put('pattern.png', pattern);
    jpeg = await sharp(pattern).jpeg().toBuffer();
    omnic = await startOmnic({ target: 'image' });
  });
  after(async () => {
    await omnic?.stop();
    await origin?.close();
  });

  it('serves a webp thumbnail of a PNG with the documented headers', async () => {
    const reply = await request(mediaUrl(omnic.url, 'thumb.webp:300x200', png));
    assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
    assert.equal(reply.headers.get('content-type'), 'image/webp');
    assert.match(reply.headers.get('cache-control') ?? '', /public, max-age=\d+/);
    assert.ok(reply.headers.get('etag'), 'no ETag');
    assert.equal(reply.headers.get('x-omnic-path'), 'png>thumb.webp');
    await assertImage(reply.body, { format: 'webp', width: 300, height: 200 });
  });

  it('converts a posted JPEG synchronously', async () => {
    const reply = await request(`${omnic.url}/convert/thumb.png:200x200`, { method: 'POST', body: new Uint8Array(jpeg), headers: { 'content-type': 'image/jpeg' } });
    assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
    assert.equal(reply.headers.get('content-type'), 'image/png');
    await assertImage(reply.body, { format: 'png', width: 200, height: 200 });
  });

  it('refuses documents: no system converters in this image', async () => {
    const docx = SPECIMENS.find((s) => s.mime === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const sources = [origin.put('letter.pdf', minimalPdf()), ...(docx ? [origin.zoo(docx.file)] : [])];
    for (const source of sources) assertRefused(await request(mediaUrl(omnic.url, 'thumb.png:200x200', source)));
  });

  it('has no path from an image to a document format', async () => {
    assertError(await request(mediaUrl(omnic.url, 'pdf', png)), 422, 'no_conversion_path');
  });

  it('lists only image formats in /formats', async () => {
    const report = (await request(`${omnic.url}/formats`)).json<{ profile: string; inputs: { family: string }[] }>();
    assert.equal(report.profile, 'image');
    assert.ok(report.inputs.length > 0);
    for (const input of report.inputs) assert.ok(['image', 'vector'].includes(input.family), `unexpected ${input.family}`);
  });

  it('stays within its 300 MB size budget', async () => {
    const bytes = await imageSize(omnic.image);
    assert.ok(bytes <= 300e6, `image target is ${(bytes / 1e6).toFixed(0)} MB`);
  });
});
