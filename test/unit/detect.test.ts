// detectFormat: magic bytes beat names, containers are refined by name, text formats only when the bytes are text.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { detectFormat, looksLikeText, sniffText } from '../../src/detect.js';

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnic-detect-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` to a fresh file and detects it with the given hints. */
/** Detects from a file, and checks that detecting from the same bytes in memory (no file yet) says the same. */
async function detect(bytes: Buffer | string, hints: { filename?: string; contentType?: string } = {}) {
  const file = join(dir, `specimen-${n++}`);
  await writeFile(file, bytes);
  const fromFile = await detectFormat(file, hints);
  const fromMemory = await detectFormat(join(dir, 'not-written-yet'), hints, Buffer.from(bytes));
  assert.deepEqual({ mime: fromMemory.format?.mime, evidence: fromMemory.evidence }, { mime: fromFile.format?.mime, evidence: fromFile.evidence });
  return fromFile;
}
const mimeOf = async (bytes: Buffer | string, hints: { filename?: string; contentType?: string } = {}) => (await detect(bytes, hints)).format?.mime;

/** A valid one-entry ZIP (stored, no compression), the container of docx/odt/epub. */
function zip(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

/** The CFB signature and a directory entry naming the stream that tells Word, Excel and PowerPoint apart. */
function cfb(streamName: string): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  const entry = Buffer.alloc(128);
  Buffer.from(streamName, 'utf16le').copy(entry);
  return Buffer.concat([header, entry, Buffer.alloc(384)]);
}

const PS = '%!PS-Adobe-3.0\n%%BoundingBox: 0 0 100 100\n/Helvetica findfont 12 scalefont setfont\n10 10 moveto (hello) show\nshowpage\n';
const EPS = '%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nnewpath 0 0 moveto 100 100 lineto stroke\n';
const SVG_BARE = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
const SVG_XML = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n${SVG_BARE}`;

describe('magic bytes win over the name', () => {
  it('a PostScript file named .jpg is PostScript', async () => {
    assert.equal(await mimeOf(PS, { filename: 'photo.jpg', contentType: 'image/jpeg' }), 'application/postscript');
  });

  it('a PNG named .txt, or served as text/plain, is PNG', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer();
    assert.equal(await mimeOf(png, { filename: 'notes.txt' }), 'image/png');
    assert.equal(await mimeOf(png, { contentType: 'text/plain' }), 'image/png');
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0f0' } }).jpeg().toBuffer();
    assert.equal(await mimeOf(jpeg, { filename: 'image.png' }), 'image/jpeg');
  });

  it('a text file named .png is text/plain, never an image', async () => {
    assert.equal(await mimeOf('just some words\n', { filename: 'picture.png' }), 'text/plain');
    assert.equal(await mimeOf('just some words\n', { contentType: 'image/png' }), 'text/plain');
  });

  it('an MPEG transport stream video is never TypeScript source', async () => {
    // file-type calls MPEG-TS video/mp2t, which formats.ts lists as an alias of text/typescript (servers send it for .ts).
    const packets = Buffer.alloc(188 * 8);
    for (let i = 0; i < 8; i++) packets.set([0x47, 0x40, 0x00, 0x10], i * 188);
    for (const hints of [{}, { filename: 'clip.ts' }, { filename: 'clip.mp4' }]) {
      const found = await detect(packets, hints);
      assert.notEqual(found.format?.family, 'code', `MPEG-TS with ${JSON.stringify(hints)} detected as ${found.format?.mime}`);
    }
  });

  it('binary bytes named .md are not markdown', async () => {
    const noise = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7) % 256));
    const found = await detect(noise, { filename: 'readme.md' });
    assert.equal(found.format, undefined);
    assert.equal(found.evidence, 'binary');
  });
});

describe('containers refined by the name', () => {
  const body = zip('word/document.xml', '<w:document/>');

  it('a ZIP named .docx is docx, .odt is odt, otherwise a ZIP', async () => {
    assert.equal((await detect(body, { filename: 'report.docx' })).format?.exts[0], 'docx');
    assert.equal((await detect(body, { filename: '/a/b/letter.ODT' })).format?.exts[0], 'odt');
    assert.equal(await mimeOf(body, { filename: 'archive.zip' }), 'application/zip');
    assert.equal(await mimeOf(body), 'application/zip');
    // A name that is no kind of ZIP does not override the bytes.
    assert.equal(await mimeOf(body, { filename: 'photo.png' }), 'application/zip');
  });

  it('a ZIP served with a docx Content-Type and no name is docx', async () => {
    const mime = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    assert.equal(await mimeOf(body, { contentType: mime }), mime);
  });

  it('old Office files (CFB) are told apart by their streams when the name is no Office type', async () => {
    assert.equal(await mimeOf(cfb('WordDocument')), 'application/msword');
    assert.equal(await mimeOf(cfb('Workbook'), { filename: 'budget.png' }), 'application/vnd.ms-excel');
    assert.equal(await mimeOf(cfb('Book'), { filename: 'download' }), 'application/vnd.ms-excel');
    assert.equal(await mimeOf(cfb('PowerPoint Document')), 'application/vnd.ms-powerpoint');
    assert.equal(await mimeOf(cfb('WordDocument'), { filename: 'letter.doc' }), 'application/msword');
    const unknown = await detect(cfb('Something Else'));
    assert.equal(unknown.format, undefined);
    assert.equal(unknown.evidence, 'application/x-cfb');
  });
});

describe('text formats', () => {
  it('markdown, python and csv by extension when the bytes are text', async () => {
    assert.equal(await mimeOf('# Title\n\nSome *words*.\n', { filename: 'README.md' }), 'text/markdown');
    assert.equal(await mimeOf('def main():\n    print("hi")\n', { filename: 'tool.py' }), 'text/x-python');
    assert.equal(await mimeOf('city,population\nOslo,700000\n', { filename: 'cities.csv' }), 'text/csv');
    assert.equal(await mimeOf('# Title\n', { contentType: 'text/markdown; charset=utf-8' }), 'text/markdown');
  });

  it('the same text without a name is plain text', async () => {
    const found = await detect('# Title\n\nSome *words*.\n');
    assert.equal(found.format?.mime, 'text/plain');
    assert.equal(found.evidence, 'text/plain');
  });

  it('SVG with and without an XML declaration, whatever the name', async () => {
    assert.equal(await mimeOf(SVG_BARE), 'image/svg+xml');
    assert.equal(await mimeOf(SVG_XML), 'image/svg+xml');
    assert.equal(await mimeOf(`\uFEFF  ${SVG_BARE}`), 'image/svg+xml');
    assert.equal(await mimeOf(SVG_XML, { filename: 'drawing.txt' }), 'image/svg+xml');
  });

  it('EPS is told from PS by its EPSF header, and a .eps name refines plain PS', async () => {
    assert.equal(await mimeOf(EPS), 'application/eps');
    assert.equal(await mimeOf(PS), 'application/postscript');
    assert.equal(await mimeOf(PS, { filename: 'figure.eps' }), 'application/eps');
    assert.equal(await mimeOf(EPS, { filename: 'figure.ps' }), 'application/eps');
  });

  it('HTML, JSON and generic XML refined by name', async () => {
    assert.equal(await mimeOf('<!DOCTYPE html><html><body>hi</body></html>'), 'text/html');
    assert.equal(await mimeOf('{"a": [1, 2]}'), 'application/json');
    assert.equal(await mimeOf('{not json'), 'text/plain');
    const cml = '<?xml version="1.0"?><cml><molecule/></cml>';
    assert.equal(await mimeOf(cml, { filename: 'water.cml' }), 'chemical/x-cml');
    assert.equal(await mimeOf(cml), 'text/plain');
  });

  it('an empty file is plain text', async () => {
    assert.equal(await mimeOf(''), 'text/plain');
  });
});

describe('sniffers', () => {
  it('looksLikeText: NUL or many control bytes mean binary; UTF-8 and Latin-1 are text', () => {
    assert.ok(looksLikeText(Buffer.from('plain ascii\n')));
    assert.ok(looksLikeText(Buffer.from('blåbærsyltetøy — ünïcödé\n')));
    assert.ok(looksLikeText(Buffer.from('caf\xe9\n', 'latin1')));
    assert.ok(!looksLikeText(Buffer.from([0x61, 0x00, 0x62])));
    assert.ok(!looksLikeText(Buffer.from('\x01\x02\x03\x04abc')));
  });

  it('sniffText recognises ASCII STL and PNM', () => {
    assert.equal(sniffText('solid cube\n facet normal 0 0 1\n'), 'model/stl');
    assert.equal(sniffText('solid is a word in prose'), 'text/plain');
    assert.equal(sniffText('P3\n2 2\n255\n0 0 0 255 255 255\n'), 'image/x-portable-anymap');
  });
});
