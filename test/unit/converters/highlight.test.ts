// highlight converter with the real highlight: code to sanitized HTML and to an SVG that renders to a non-blank image.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { createHighlightConverter, headOf, SYNTAX, tightenLines } from '../../../src/converters/highlight.js';
import { InputRejectedError } from '../../../src/errors.js';
import { FORMATS } from '../../../src/formats.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/index.js';

const CODE = [
  { file: 'files/code/inventory.py', mime: 'text/x-python', ident: 'items_to_reorder' },
  { file: 'files/code/price-calculator.ts', mime: 'text/typescript', ident: 'calculateOrderTotal' },
  { file: 'files/code/counter-widget.js', mime: 'text/javascript', ident: 'createCounterWidget' },
  { file: 'files/code/health-server.go', mime: 'text/x-go', ident: 'healthHandler' },
];

test('every code format of formats.ts has a highlight syntax', () => {
  for (const format of FORMATS.filter((f) => f.family === 'code')) assert.ok(SYNTAX[format.mime], `no syntax for ${format.mime}`);
});

test('headOf keeps the first 60 lines, each at most 120 columns', () => {
  const long = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(i * 3)}`).join('\n');
  const head = headOf(long);
  assert.equal(head.lines, 60);
  assert.equal(head.columns, 120);
  assert.ok(head.text.startsWith('line 0 \n'));
});

test('tightenLines spaces lines at 1.5 em and fits the height to the last line', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="999"><text x="10" y="24">a</text><text x="10" y="48">b</text></svg>';
  assert.equal(tightenLines(svg), '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="48"><text x="10" y="18">a</text><text x="10" y="36">b</text></svg>');
});

for (const c of CODE) {
  test(`highlight: ${c.file} → highlighted html`, async (t) => {
    const h = await startConverter(t, createHighlightConverter());
    if (!h) return;
    const html = await readFile(await h.convert(zooPath(c.file), c.mime, 'text/html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<meta charset="utf-8">/);
    assert.ok(html.includes(c.ident), `html lacks ${c.ident}`);
    // Syntax colouring happened: keywords sit in coloured spans.
    assert.ok((html.match(/<span style="color:#/g) ?? []).length > 5, 'no highlighted spans');
    assert.ok(!/<script|<link|highlight\.css/i.test(html), 'active or remote content in html');
  });

  test(`highlight: ${c.file} → svg that renders to a non-blank picture`, async (t) => {
    const h = await startConverter(t, createHighlightConverter());
    if (!h) return;
    const svg = await readFile(await h.convert(zooPath(c.file), c.mime, 'image/svg+xml'), 'utf8');
    assert.match(svg, /<svg[^>]+width="\d+" height="\d+(\.\d+)?"/);
    assert.ok(svg.includes(c.ident), `svg lacks ${c.ident}`);
    assert.ok(!/xml-stylesheet|<!DOCTYPE|<script/i.test(svg), 'svg references external content');
    const png = await sharp(Buffer.from(svg), { density: 72 }).png().toBuffer();
    await assertImage(png, { format: 'png', minSpread: 5 });
  });
}

test('highlight: markup inside code stays text', async (t) => {
  const h = await startConverter(t, createHighlightConverter());
  if (!h) return;
  const dir = await mkdtemp(join(tmpdir(), 'omnic-hl-'));
  const input = join(dir, 'evil.js');
  await writeFile(input, `const s = "</pre><script>alert(1)</script><img src=x onerror=alert(2)>";\n`);
  const html = await readFile(await h.convert(input, 'text/javascript', 'text/html'), 'utf8');
  assert.ok(!/<script|<img/i.test(html), 'code became markup');
  assert.ok(html.includes('&lt;script&gt;'), 'the code text is shown escaped');
});

test('highlight: binary bytes declared as python are rejected (422)', async (t) => {
  const h = await startConverter(t, createHighlightConverter());
  if (!h) return;
  await assert.rejects(h.convert(zooPath('files/audio/sine-220.wav'), 'text/x-python', 'text/html'), InputRejectedError);
});
