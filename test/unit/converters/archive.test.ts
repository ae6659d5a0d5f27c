// archive converter: zip, tar and tgz listings as JSON and escaped HTML; corrupt archives and huge entry counts handled.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createArchiveConverter, MAX_ENTRIES, type Listing } from '../../../src/converters/archive.js';
import { InputRejectedError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { zooPath } from '../../fixtures/zoo/index.js';

const ARCHIVES = [
  { file: 'files/archive/site-backup.zip', mime: 'application/zip', names: ['site-backup/docs/quarterly-report.md', 'site-backup/assets/chart.png', 'site-backup/src/inventory.py'] },
  { file: 'files/archive/site-backup.tgz', mime: 'application/gzip', names: ['site-backup/docs/install-guide.rst', 'site-backup/README.txt'] },
  { file: 'files/archive/source-code.tar', mime: 'application/x-tar', names: ['site-backup/src/inventory.py', 'site-backup/README.txt'] },
];

async function tmp(name: string): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'omnic-archive-')), name);
}

/** A stored (uncompressed) zip of empty files with the given names: enough structure for any reader's central directory. */
function zipOf(names: string[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const bytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt16LE(bytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt16LE(bytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, bytes);
    centrals.push(central, bytes);
    offset += 30 + bytes.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

for (const a of ARCHIVES) {
  test(`archive: ${a.file} → json listing naming its entries`, async (t) => {
    const h = await startConverter(t, createArchiveConverter());
    if (!h) return;
    const listing = JSON.parse(await readFile(await h.convert(zooPath(a.file), a.mime, 'application/json'), 'utf8')) as Listing;
    const paths = listing.entries.map((e) => e.path.replace(/\/$/, ''));
    for (const name of a.names) assert.ok(paths.includes(name), `listing lacks ${name}: ${paths.join(', ')}`);
    const readme = listing.entries.find((e) => e.path.endsWith('README.txt') || e.path.endsWith('inventory.py'))!;
    assert.equal(readme.type, 'file');
    assert.ok(readme.size > 10);
    assert.equal(readme.mtime, '2026-03-01T12:00:00.000Z');
    assert.ok(listing.entries.some((e) => e.type === 'directory'));
    assert.equal(listing.total.entries, listing.entries.length);
    assert.equal(listing.truncated, false);
  });

  test(`archive: ${a.file} → html listing table`, async (t) => {
    const h = await startConverter(t, createArchiveConverter());
    if (!h) return;
    const html = await readFile(await h.convert(zooPath(a.file), a.mime, 'text/html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<table>/);
    for (const name of a.names) assert.ok(html.includes(`<td>${name}</td>`), `html lacks ${name}`);
  });
}

test('archive: entry names are escaped in html', async (t) => {
  const h = await startConverter(t, createArchiveConverter());
  if (!h) return;
  const input = await tmp('evil.zip');
  await writeFile(input, zipOf(['<script>alert(1)</script>.txt', 'a&b "quoted".txt']));
  const html = await readFile(await h.convert(input, 'application/zip', 'text/html'), 'utf8');
  assert.ok(!html.includes('<script>'), 'an entry name became markup');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;.txt'));
  assert.ok(html.includes('a&amp;b &quot;quoted&quot;.txt'));
});

test(`archive: a zip with more than ${MAX_ENTRIES} entries is listed up to the cap and marked truncated`, async (t) => {
  const h = await startConverter(t, createArchiveConverter());
  if (!h) return;
  const input = await tmp('many.zip');
  await writeFile(input, zipOf(Array.from({ length: MAX_ENTRIES + 500 }, (_, i) => `f/${i}.txt`)));
  const listing = JSON.parse(await readFile(await h.convert(input, 'application/zip', 'application/json'), 'utf8')) as Listing;
  assert.equal(listing.entries.length, MAX_ENTRIES);
  assert.equal(listing.truncated, true);
});

test('archive: a corrupt zip is rejected (422)', async (t) => {
  const h = await startConverter(t, createArchiveConverter());
  if (!h) return;
  await assert.rejects(h.convert(zooPath('files/archive/corrupt.zip'), 'application/zip', 'application/json'), (err: unknown) => {
    assert.ok(err instanceof InputRejectedError, String(err));
    assert.equal(err.status, 422);
    return true;
  });
});

test('archive: a gzip that holds no tar, and a truncated tgz, are rejected (422)', async (t) => {
  const h = await startConverter(t, createArchiveConverter());
  if (!h) return;
  const { gzipSync } = await import('node:zlib');
  const plain = await tmp('notes.gz');
  await writeFile(plain, gzipSync(Buffer.from('just some text, not a tar archive\n'.repeat(40))));
  await assert.rejects(h.convert(plain, 'application/gzip', 'application/json'), InputRejectedError);
  const whole = await readFile(zooPath('files/archive/site-backup.tgz'));
  const cut = await tmp('cut.tgz');
  await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  await assert.rejects(h.convert(cut, 'application/gzip', 'application/json'), InputRejectedError);
});
