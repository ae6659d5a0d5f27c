// The ghostscript converter with the real gs: PostScript, EPS and Illustrator → PDF, checked by poppler; broken programs → 422.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createGhostscriptConverter } from '../../../src/converters/ghostscript.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertPdf } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/specimen.js';

const PDF = 'application/pdf';
const run = promisify(execFile);

async function pageSize(pdf: string): Promise<string> {
  const { stdout } = await run('pdfinfo', [pdf]);
  return /^Page size:\s+(\S+ x \S+)/m.exec(stdout)?.[1] ?? '';
}

test('ghostscript turns multi-page PostScript into a PDF with its pages and text, fonts embedded', async (t) => {
  const gs = await startConverter(t, createGhostscriptConverter());
  if (!gs) return;
  const pdf = await gs.convert(zooPath('files/pdf/three-pages.ps'), 'application/postscript', PDF);
  await assertPdf(pdf, { pages: 3, text: ['Page One', 'Page Two', 'Page Three', 'second page of the omnic zoo document is green'] });
  assert.equal(await pageSize(pdf), '595 x 842');
  const { stdout } = await run('pdffonts', [pdf]);
  const fonts = stdout.split('\n').slice(2).filter(Boolean);
  assert.ok(fonts.length >= 2 && fonts.every((line) => line.trim().split(/\s+/).at(-5) === 'yes'), `fonts not embedded:\n${stdout}`);
  await assertPdf(await gs.convert(zooPath('files/pdf/invoice.ps'), 'application/postscript', PDF), { pages: 1, text: ['INVOICE 2026-042', 'Total 342.50'] });
  await gs.stop();
});

test('ghostscript crops EPS to its BoundingBox, even one that does not start at the origin', async (t) => {
  const gs = await startConverter(t, createGhostscriptConverter());
  if (!gs) return;
  const chart = await gs.convert(zooPath('files/vector/bar-chart.eps'), 'application/eps', PDF);
  await assertPdf(chart, { pages: 1, text: ['Q1'] });
  assert.equal(await pageSize(chart), '300 x 200');
  const badge = await gs.convert(zooPath('files/vector/badge.eps'), 'application/eps', PDF);
  await assertPdf(badge, { pages: 1, text: ['OK'] });
  assert.equal(await pageSize(badge), '160 x 160');
  await gs.stop();
});

test('ghostscript rewrites PDF-based and PostScript-based Illustrator files as plain PDF', async (t) => {
  const gs = await startConverter(t, createGhostscriptConverter());
  if (!gs) return;
  const pdf = await gs.convert(zooPath('files/vector/poster.ai'), 'application/illustrator', PDF);
  await assertPdf(pdf, { pages: 1, text: ['OMNIC AI'] });
  assert.equal(await pageSize(pdf), '400 x 300');
  // Before AI 9, Illustrator saved PostScript: cropped to its BoundingBox like EPS.
  const legacy = await gs.convert(zooPath('files/vector/legacy-ai8.ai'), 'application/illustrator', PDF);
  await assertPdf(legacy, { pages: 1, text: ['LEGACY AI'] });
  assert.equal(await pageSize(legacy), '300 x 200');
  await gs.stop();
});

test('ghostscript answers PostScript errors with 422 and stays inside SAFER', async (t) => {
  const gs = await startConverter(t, createGhostscriptConverter());
  if (!gs) return;
  await assert.rejects(gs.convert(zooPath('files/pdf/hostile-error.ps'), 'application/postscript', PDF), { status: 422, code: 'input_rejected' });
  const dir = await mkdtemp(join(tmpdir(), 'omnic-gs-safer-'));
  // Under -dSAFER a document may neither read /etc/passwd nor write a file of its own.
  const reader = join(dir, 'read.ps');
  await writeFile(reader, '%!PS\n(/etc/passwd) (r) file 100 string readstring pop print\nshowpage\n');
  await assert.rejects(gs.convert(reader, 'application/postscript', PDF), { status: 422 });
  const writer = join(dir, 'write.ps');
  await writeFile(writer, `%!PS\n(${join(dir, 'pwned.txt')}) (w) file (x) writestring\nshowpage\n`);
  await assert.rejects(gs.convert(writer, 'application/postscript', PDF), { status: 422 });
  await assert.rejects(run('test', ['-e', join(dir, 'pwned.txt')]));
  await gs.stop();
});
