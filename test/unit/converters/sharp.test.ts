// The sharp converter through the converter harness: orientation, first GIF frame, pixel limits, flattening, quality, resizes.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { createSharpConverter } from '../../../src/converters/sharp.js';
import { InputRejectedError, SourceTooLargeError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { makeJpeg } from '../../helpers/images.js';
import { assertImage, probeImage } from '../../helpers/probe.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnic-sharp-src-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function source(name: string, bytes: Buffer | Promise<Buffer>): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, await bytes);
  return file;
}

/** RGB(A) of one pixel. */
async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + info.channels)];
}

/** A PNG whose header claims width×height but whose pixel data is tiny: a decompression bomb's shape. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(width + 1))), chunk('IEND', Buffer.alloc(0))]);
}

test('EXIF orientation 6 is applied: a 300×100 landscape JPEG tagged rotate-90 comes out 100×300', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  const tagged = await source('rotated.jpg', sharp(await makeJpeg(300, 100)).withMetadata({ orientation: 6 }).jpeg().toBuffer());
  assert.equal((await sharp(tagged).metadata()).orientation, 6);
  await assertImage(await harness.convert(tagged, 'image/jpeg', 'image/png'), { format: 'png', width: 100, height: 300 });
  // And a thumbnail box is filled in the upright orientation.
  await assertImage(await harness.convert(tagged, 'image/jpeg', 'image/webp', {}, { width: 50, height: 150, fit: 'inside', enlarge: false }), { format: 'webp', width: 50, height: 150 });
  await harness.stop();
});

test('an animated GIF gives its first frame, at one frame\'s size', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  const frame = (colour: string) => sharp({ create: { width: 40, height: 30, channels: 3, background: colour } }).png().toBuffer();
  const animated = await sharp([await frame('#ff0000'), await frame('#0000ff'), await frame('#00ff00')], { join: { animated: true } }).gif().toBuffer();
  assert.equal((await sharp(animated).metadata()).pages, 3);
  const out = await harness.convert(await source('anim.gif', animated), 'image/gif', 'image/png');
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.pages], ['png', 40, 30, undefined]);
  const [r, g, b] = await pixel(out, 20, 15);
  assert.ok(r! > 200 && g! < 50 && b! < 50, `first frame should be red, got ${[r, g, b]}`);
  // A GIF target is a single still frame too.
  assert.equal((await sharp(await harness.convert(await source('anim2.gif', animated), 'image/gif', 'image/gif'), { animated: true }).metadata()).pages, 1);
  await harness.stop();
});

test('a source past the pixel limit is SourceTooLargeError (413) before it is decoded', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  // 60 000 × 60 000 = 3.6 GP claimed, far past the harness's 50 MP limit, in a file of a few hundred bytes.
  const bomb = await source('bomb.png', pngHeaderOnly(60_000, 60_000));
  assert.ok((await stat(bomb)).size < 2000);
  const started = performance.now();
  await assert.rejects(harness.convert(bomb, 'image/png', 'image/webp'), (err: unknown) => {
    assert.ok(err instanceof SourceTooLargeError, String(err));
    assert.equal(err.status, 413);
    assert.match(err.message, /OMNIC_MAX_SOURCE_PIXELS/);
    return true;
  });
  assert.ok(performance.now() - started < 2000, 'the bomb was decoded instead of refused');
  await harness.stop();
});

test('a transparent PNG flattened to JPEG takes bg (white by default)', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  const clear = await source('clear.png', sharp({ create: { width: 60, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer());
  const red = await harness.convert(clear, 'image/png', 'image/jpeg', { bg: 'ff0000' });
  assert.equal((await probeImage(red)).format, 'jpeg');
  const [r, g, b] = await pixel(red, 0, 0);
  assert.ok(r! > 240 && g! < 15 && b! < 15, `corner should be red, got ${[r, g, b]}`);
  const white = await pixel(await harness.convert(clear, 'image/png', 'image/jpeg'), 59, 39);
  assert.ok(white.every((v) => v > 245), `corner should be white, got ${white}`);
  // A PNG target keeps its transparency unless bg is asked for.
  const kept = await pixel(await harness.convert(clear, 'image/png', 'image/png'), 0, 0);
  assert.equal(kept[3], 0);
  const filled = await pixel(await harness.convert(clear, 'image/png', 'image/png', { bg: '00ff00' }), 0, 0);
  assert.deepEqual(filled.slice(0, 3), [0, 255, 0]);
  await harness.stop();
});

test('q changes the output size: q=10 is much smaller than q=95', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  const photo = await source('photo.jpg', makeJpeg(800, 600));
  for (const to of ['image/jpeg', 'image/webp']) {
    const low = (await stat(await harness.convert(photo, 'image/jpeg', to, { q: 10 }))).size;
    const high = (await stat(await harness.convert(photo, 'image/jpeg', to, { q: 95 }))).size;
    assert.ok(low * 2 < high, `${to}: q=10 gave ${low} bytes, q=95 gave ${high}`);
  }
  await harness.stop();
});

test('resizes: a thumbnail fills its box (cover, enlarging); a plain size never upscales', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  const photo = await source('wide.jpg', makeJpeg(1200, 800));
  await assertImage(await harness.convert(photo, 'image/jpeg', 'image/webp', {}, { width: 300, height: 300, fit: 'cover', enlarge: true }), { format: 'webp', width: 300, height: 300 });
  await assertImage(await harness.convert(photo, 'image/jpeg', 'image/png', {}, { width: 300, height: 300, fit: 'inside', enlarge: false }), { format: 'png', width: 300, height: 200 });
  const small = await source('small.jpg', makeJpeg(120, 80));
  await assertImage(await harness.convert(small, 'image/jpeg', 'image/jpeg', {}, { width: 600, fit: 'inside', enlarge: false }), { format: 'jpeg', width: 120, height: 80 });
  await assertImage(await harness.convert(small, 'image/jpeg', 'image/jpeg', {}, { width: 240, height: 240, fit: 'cover', enlarge: true }), { format: 'jpeg', width: 240, height: 240 });
  await harness.stop();
});

test('SVG is rasterised; a corrupt source is 422 input_rejected', async (t) => {
  const harness = await startConverter(t, createSharpConverter());
  if (!harness) return;
  const svg = await source('shape.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="50" height="50" fill="#00f"/><rect x="50" width="50" height="50" fill="#ff0"/></svg>'));
  await assertImage(await harness.convert(svg, 'image/svg+xml', 'image/png'), { format: 'png', width: 200, height: 100 });
  const truncated = await source('truncated.jpg', (await makeJpeg(200, 200)).subarray(0, 300));
  await assert.rejects(harness.convert(truncated, 'image/jpeg', 'image/png'), (err: unknown) => err instanceof InputRejectedError && err.status === 422 && !/\/tmp\//.test(err.message));
  await harness.stop();
});
