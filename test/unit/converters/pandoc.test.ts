// pandoc converter with the real pandoc: markup to sanitized standalone HTML, nothing active survives.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { createPandocConverter } from '../../../src/converters/pandoc.js';
import { InputRejectedError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { zooPath } from '../../fixtures/zoo/index.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const ACTIVE = ['<script', 'onclick', 'onerror', 'javascript:', '<iframe', 'example.invalid/tracker', '/etc/passwd', 'root:x:0'];

const CASES = [
  { file: 'files/markup/quarterly-report.md', mime: 'text/markdown', text: ['Quarterly Report', '<table', '1,450', 'Raw HTML paragraph that keeps its text'] },
  { file: 'files/markup/install-guide.rst', mime: 'text/x-rst', text: ['Install Guide', 'omnic serve', '<table', '0.1.0'] },
  { file: 'files/markup/meeting-notes.org', mime: 'text/org', text: ['Agenda', 'ship the beta'] },
  { file: 'files/markup/changelog.textile', mime: 'text/x-textile', text: ['Changelog', 'waveform thumbnails'] },
  { file: 'files/markup/field-guide.epub', mime: 'application/epub+zip', text: ['Colour Bars', 'frames advance'] },
  { file: 'files/markup/field-guide.docx', mime: DOCX, text: ['Colour Bars', 'frames advance'] },
];

for (const c of CASES) {
  test(`pandoc: ${c.file} → sanitized standalone html`, async (t) => {
    const h = await startConverter(t, createPandocConverter());
    if (!h) return;
    const html = await readFile(await h.convert(zooPath(c.file), c.mime, 'text/html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<meta charset="utf-8">/);
    assert.match(html, /<style>[^<]*border-collapse/);
    for (const needle of c.text) assert.ok(html.includes(needle), `html lacks ${needle}`);
    const lower = html.toLowerCase();
    for (const bad of ACTIVE) assert.ok(!lower.includes(bad), `html still contains ${bad}`);
    // Only our own stylesheet and no remote loads: every src is a data: URI.
    for (const [, src] of html.matchAll(/\ssrc="([^"]*)"/g)) assert.match(src!, /^data:image\/(png|jpeg|gif|webp);base64,/);
  });
}

test('pandoc: images inside an epub and a docx become data: URIs', async (t) => {
  const h = await startConverter(t, createPandocConverter());
  if (!h) return;
  for (const [file, mime] of [['files/markup/field-guide.epub', 'application/epub+zip'], ['files/markup/field-guide.docx', DOCX]] as const) {
    const html = await readFile(await h.convert(zooPath(file), mime, 'text/html'), 'utf8');
    assert.match(html, /<img[^>]+src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}"/, `${file}: no inlined image`);
  }
});

test('pandoc: the markdown page is titled by its first heading', async (t) => {
  const h = await startConverter(t, createPandocConverter());
  if (!h) return;
  const html = await readFile(await h.convert(zooPath('files/markup/quarterly-report.md'), 'text/markdown', 'text/html'), 'utf8');
  assert.match(html, /<title>Quarterly Report<\/title>/);
  assert.match(html, /rel="noopener noreferrer nofollow"/);
});

test('pandoc: a truncated epub is rejected (422)', async (t) => {
  const h = await startConverter(t, createPandocConverter());
  if (!h) return;
  await assert.rejects(h.convert(zooPath('files/markup/truncated.epub'), 'application/epub+zip', 'text/html'), InputRejectedError);
});
