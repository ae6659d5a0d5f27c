// createPlaceholders: an image of the requested type and size, an SVG box, or an empty body for non-image targets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createPlaceholders } from '../../src/placeholder.js';
import { parseTypestring } from '../../src/typestring.js';
import { magicOf } from '../helpers/probe.js';

const body = (typestring: string, placeholders = createPlaceholders()) => placeholders.body(parseTypestring(typestring));

describe('placeholders', () => {
  for (const [ext, format, mime] of [
    ['webp', 'webp', 'image/webp'],
    ['png', 'png', 'image/png'],
    ['jpg', 'jpeg', 'image/jpeg'],
    ['gif', 'gif', 'image/gif'],
    ['avif', 'heif', 'image/avif'],
  ] as const) {
    it(`thumb.${ext}:300x200 is a 300×200 ${ext} image`, async () => {
      const bytes = await body(`thumb.${ext}:300x200`);
      const meta = await sharp(bytes).metadata();
      assert.equal(meta.format, format);
      assert.deepEqual([meta.width, meta.height], [300, 200]);
      assert.equal(await magicOf(bytes), mime);
    });
  }

  it('honours dpr and one-sided sizes (square on the given side)', async () => {
    const retina = await sharp(await body('thumb.png:100x50,dpr=2')).metadata();
    assert.deepEqual([retina.width, retina.height], [200, 100]);
    const wide = await sharp(await body('png:120x')).metadata();
    assert.deepEqual([wide.width, wide.height], [120, 120]);
    const defaultThumb = await sharp(await body('thumb.jpg')).metadata();
    assert.deepEqual([defaultThumb.width, defaultThumb.height], [200, 200]);
  });

  it('is a flat light grey, so it never looks like content', async () => {
    const { channels, isOpaque } = await sharp(await body('thumb.png:40x40')).stats();
    assert.ok(isOpaque);
    for (const channel of channels.slice(0, 3)) {
      assert.equal(channel.stdev, 0);
      assert.ok(channel.mean > 200, `mean ${channel.mean} is not light`);
    }
  });

  it('an SVG target gets an SVG of the requested size', async () => {
    const bytes = await body('thumb.svg:300x200');
    const text = bytes.toString('utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="300" height="200">/);
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['svg', 300, 200]);
  });

  it('non-image targets get an empty body', async () => {
    for (const typestring of ['pdf', 'html', 'min.js', 'txt', 'glb']) {
      assert.equal((await body(typestring)).length, 0, `${typestring} placeholder is not empty`);
    }
  });

  it('renders once per type and size and keeps at most maxEntries', async () => {
    const placeholders = createPlaceholders(2);
    const first = placeholders.body(parseTypestring('thumb.png:10x10'));
    assert.equal(placeholders.body(parseTypestring('THUMB.PNG:10x10')), first, 'the same type and size should share one render');
    placeholders.body(parseTypestring('thumb.png:11x11'));
    placeholders.body(parseTypestring('thumb.png:12x12'));
    assert.notEqual(placeholders.body(parseTypestring('thumb.png:10x10')), first, 'the oldest entry should have been dropped');
    assert.deepEqual(await first, await placeholders.body(parseTypestring('thumb.png:10x10')));
  });
});
