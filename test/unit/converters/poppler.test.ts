// The poppler converter with the real poppler-utils: pages to png and svg, text, page bounds, broken PDFs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import { createPopplerConverter } from '../../../src/converters/poppler.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/specimen.js';

const PDF = 'application/pdf';
const threePages = zooPath('files/pdf/three-pages.pdf');

/** Mean RGB of the heading band at the top of a three-pages.pdf page (red, green, blue on pages 1, 2, 3). */
async function bandColour(png: string): Promise<number[]> {
  const { width, height } = await sharp(png).metadata();
  const band = sharp(png).extract({ left: 0, top: Math.round(height! * 0.02), width: width!, height: Math.round(height! * 0.15) });
  const { channels } = await band.stats();
  return channels.slice(0, 3).map((c) => Math.round(c.mean));
}

const dominant = (rgb: number[]) => ['red', 'green', 'blue'][rgb.indexOf(Math.max(...rgb))];

test('poppler renders page 1 by default and page=N on request, sharp and bounded', async (t) => {
  const poppler = await startConverter(t, createPopplerConverter());
  if (!poppler) return;
  // A4 at 595×842 pt scaled so its long side is 2048 px.
  const first = await poppler.convert(threePages, PDF, 'image/png');
  await assertImage(first, { format: 'png', width: 1448, height: 2048 });
  const second = await poppler.convert(threePages, PDF, 'image/png', { page: 2 });
  await assertImage(second, { format: 'png', width: 1448, height: 2048 });
  const third = await poppler.convert(threePages, PDF, 'image/png', { page: 3 });
  assert.deepEqual([dominant(await bandColour(first)), dominant(await bandColour(second)), dominant(await bandColour(third))], ['red', 'green', 'blue']);
  // Landscape pages keep their orientation.
  await assertImage(await poppler.convert(zooPath('files/pdf/landscape-chart.pdf'), PDF, 'image/png'), { format: 'png', width: 2048, height: 1448 });
  await poppler.stop();
});

test('poppler answers a page past the end with 422 naming the page count', async (t) => {
  const poppler = await startConverter(t, createPopplerConverter());
  if (!poppler) return;
  await assert.rejects(poppler.convert(threePages, PDF, 'image/png', { page: 4 }), (err: Error & { status?: number }) => {
    assert.equal(err.status, 422);
    assert.match(err.message, /has 3 pages/);
    return true;
  });
  await poppler.stop();
});

test('poppler turns one page into svg and the text into txt', async (t) => {
  const poppler = await startConverter(t, createPopplerConverter());
  if (!poppler) return;
  const svgPath = await poppler.convert(threePages, PDF, 'image/svg+xml', { page: 2 });
  const svg = await readFile(svgPath, 'utf8');
  assert.match(svg, /<svg[^>]+viewBox="0 0 595 842"/);
  // The svg renders (sharp/librsvg) to a non-blank page whose band is green.
  const raster = await sharp(Buffer.from(svg)).png().toBuffer();
  await assertImage(raster, { format: 'png' });
  const { channels } = await sharp(raster).extract({ left: 0, top: 20, width: 500, height: 100 }).stats();
  assert.equal(dominant(channels.slice(0, 3).map((c) => c.mean)), 'green');
  const all = await readFile(await poppler.convert(threePages, PDF, 'text/plain'), 'utf8');
  for (const heading of ['Page One', 'Page Two', 'Page Three']) assert.ok(all.includes(heading), `text lacks ${heading}`);
  const second = await readFile(await poppler.convert(threePages, PDF, 'text/plain', { page: 2 }), 'utf8');
  assert.ok(second.includes('second page') && !second.includes('Page One'), 'page=2 text is not page 2 alone');
  await poppler.stop();
});

test('poppler rejects truncated and password-protected PDFs with 422', async (t) => {
  const poppler = await startConverter(t, createPopplerConverter());
  if (!poppler) return;
  for (const to of ['image/png', 'image/svg+xml', 'text/plain']) {
    await assert.rejects(poppler.convert(zooPath('files/pdf/hostile-truncated.pdf'), PDF, to), { status: 422, code: 'input_rejected' });
  }
  await assert.rejects(poppler.convert(zooPath('files/pdf/hostile-encrypted.pdf'), PDF, 'image/png'), (err: Error & { status?: number }) => {
    assert.equal(err.status, 422);
    assert.match(err.message, /encrypted with a password/);
    return true;
  });
  await poppler.stop();
});
