// The inkscape converter with the real Inkscape, headless: svg → png/pdf, eps/ai → svg, and SVGs that reach outside refused.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { createInkscapeConverter, exportDpi, svgSize } from '../../../src/converters/inkscape.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage, assertPdf } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/specimen.js';

const SVG = 'image/svg+xml';
const vector = (name: string) => zooPath(`files/vector/${name}`);

test('svgSize and exportDpi read the root size and keep the PNG within the caps', () => {
  assert.deepEqual(svgSize('<svg width="320" height="200">'), { width: 320, height: 200 });
  assert.deepEqual(svgSize('<svg viewBox="0 0 48 48">'), { width: 48, height: 48 });
  assert.deepEqual(svgSize('<svg width="1in" height="72pt">'), { width: 96, height: 96 });
  assert.equal(svgSize('<svg width="100%">'), undefined);
  assert.equal(exportDpi('<svg width="320" height="200">', 50_000_000), 192);
  // 20000 px wide: capped so the PNG is at most 8192 px wide.
  assert.equal(exportDpi('<svg width="20000" height="100">', 50_000_000), Math.floor((8192 / 20000) * 96));
  assert.ok(exportDpi('<svg width="6000" height="6000">', 4_000_000) <= 32);
});

test('inkscape renders svg to png at twice CSS size, viewBox-only icons included', async (t) => {
  const ink = await startConverter(t, createInkscapeConverter());
  if (!ink) return;
  await assertImage(await ink.convert(vector('logo.svg'), SVG, 'image/png'), { format: 'png', width: 640, height: 400, minSpread: 20 });
  await assertImage(await ink.convert(vector('icon-viewbox.svg'), SVG, 'image/png'), { format: 'png', width: 96, height: 96 });
  // svgz is inflated first.
  const dir = await mkdtemp(join(tmpdir(), 'omnic-ink-'));
  const svgz = join(dir, 'logo.svgz');
  await writeFile(svgz, gzipSync(await readFile(vector('logo.svg'))));
  await assertImage(await ink.convert(svgz, SVG, 'image/png'), { format: 'png', width: 640, height: 400 });
  await ink.stop();
});

test('inkscape turns svg into a vector PDF that keeps its text', async (t) => {
  const ink = await startConverter(t, createInkscapeConverter());
  if (!ink) return;
  await assertPdf(await ink.convert(vector('logo.svg'), SVG, 'application/pdf'), { pages: 1, text: ['omnic'] });
  await ink.stop();
});

test('inkscape turns eps and Illustrator files into svg that renders the same picture', async (t) => {
  const ink = await startConverter(t, createInkscapeConverter());
  if (!ink) return;
  for (const [file, from, width, height] of [['bar-chart.eps', 'application/eps', 300, 200], ['badge.eps', 'application/eps', 160, 160], ['poster.ai', 'application/illustrator', 400, 300], ['legacy-ai8.ai', 'application/illustrator', 300, 200]] as const) {
    const svg = await readFile(await ink.convert(vector(file), from, SVG), 'utf8');
    assert.match(svg, /<svg[\s>]/);
    // Inkscape writes CSS px (pt × 4/3); the picture must not be empty.
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    await assertImage(png, { format: 'png', width: Math.round((width * 4) / 3), height: Math.round((height * 4) / 3), minSpread: 10 });
  }
  await ink.stop();
});

test('inkscape refuses SVGs that would read other files, and broken EPS, with 422', async (t) => {
  const ink = await startConverter(t, createInkscapeConverter());
  if (!ink) return;
  const dir = await mkdtemp(join(tmpdir(), 'omnic-ink-hostile-'));
  const cases = {
    'file-image.svg': '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="/etc/passwd" width="10" height="10"/></svg>',
    'remote-use.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><use href="https://127.0.0.1/x.svg#a"/></svg>',
    'css-url.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" style="fill:url(file:///etc/hosts)"/></svg>',
    'entity.svg': '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
  };
  for (const [name, body] of Object.entries(cases)) {
    const path = join(dir, name);
    await writeFile(path, body);
    await assert.rejects(ink.convert(path, SVG, 'image/png'), { status: 422, code: 'input_rejected' }, name);
  }
  // Links and in-document references are fine.
  const ok = join(dir, 'link.svg');
  await writeFile(ok, '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><defs><linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient></defs><a href="https://example.com/"><rect width="40" height="20" fill="url(#g)"/></a></svg>');
  await assertImage(await ink.convert(ok, SVG, 'image/png'), { format: 'png', width: 80, height: 40 });
  await assert.rejects(ink.convert(zooPath('files/pdf/hostile-error.ps'), 'application/eps', SVG), { status: 422 });
  await ink.stop();
});
