// Every zoo specimen through the kitchen-sink profile over HTTP: a 200×200 thumbnail, its natural form, and hostile files refused.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MissingToolError } from '../../src/converters/tools.js';
import { HOSTILE, SPECIMENS, zooPath, type Specimen } from '../fixtures/zoo/index.js';
import { assertImage, magicOf, pdfPages, pdfText, probeImage } from '../helpers/probe.js';
import { mediaPath, startOmnic, type TestOmnic } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

describe('the zoo through kitchen-sink', () => {
  let omnic: TestOmnic | undefined;
  let origin: Origin;
  let skipReason: string | undefined;
  before(async () => {
    origin = await startOrigin();
    for (const s of [...SPECIMENS, ...HOSTILE]) origin.file(`/${s.file}`, zooPath(s.file));
    try {
      omnic = await startOmnic({ OMNIC_PROFILE: 'kitchen-sink', OMNIC_WAIT_MS: '300000', OMNIC_CONVERSION_TIMEOUT_MS: '120000' });
    } catch (err) {
      if (!(err instanceof MissingToolError) || process.env.CI === 'true') throw err;
      skipReason = err.message;
    }
  });
  after(async () => {
    await omnic?.close();
    await origin.close();
  });

  const url = (file: string) => origin.url(`/${file}`);

  it('has at least 40 specimens, two or more per family', () => {
    assert.ok(SPECIMENS.length >= 40, `${SPECIMENS.length} specimens`);
    assert.equal(new Set(SPECIMENS.map((s) => s.name)).size, SPECIMENS.length, 'specimen names are unique');
  });

  for (const specimen of SPECIMENS) {
    if (specimen.thumb) {
      it(`${specimen.name}: thumb.png:200x200`, async (t) => {
        if (!omnic) return t.skip(skipReason);
        const typestring = `thumb.png:200x200${specimen.thumbOptions ? `,${specimen.thumbOptions}` : ''}`;
        const res = await omnic.get(mediaPath(typestring, url(specimen.file)));
        const body = Buffer.from(await res.arrayBuffer());
        assert.equal(res.status, 200, `${res.status} ${body.toString('utf8', 0, 300)}`);
        assert.equal(res.headers.get('content-type'), 'image/png');
        assert.equal(res.headers.get('x-omnic-path')?.split('>').at(-1), 'thumb.png');
        await assertImage(body, { format: 'png', width: 200, height: 200 });
      });
    }
    if (specimen.natural) {
      it(`${specimen.name}: ${specimen.natural.typestring}`, async (t) => {
        if (!omnic) return t.skip(skipReason);
        const res = await omnic.get(mediaPath(specimen.natural!.typestring, url(specimen.file)));
        const body = Buffer.from(await res.arrayBuffer());
        assert.equal(res.status, 200, `${res.status} ${body.toString('utf8', 0, 300)}`);
        await checkNatural(specimen, res.headers.get('content-type') ?? '', body);
      });
    }
  }

  for (const hostile of HOSTILE) {
    it(`hostile ${hostile.name}: ${hostile.typestring} → ${hostile.status}`, async (t) => {
      if (!omnic) return t.skip(skipReason);
      const res = await omnic.get(mediaPath(hostile.typestring, url(hostile.file)));
      const body = await res.json();
      assert.equal(res.status, hostile.status, JSON.stringify(body));
      assert.ok(body.message && !/\/tmp|\/var|stderr/.test(body.message), `message leaks internals: ${body.message}`);
    });
  }

  it('detects every specimen as its registered type (via /media status path)', async (t) => {
    if (!omnic) return t.skip(skipReason);
    const { detectFormat } = await import('../../src/detect.js');
    for (const specimen of SPECIMENS) {
      const { format } = await detectFormat(zooPath(specimen.file), { filename: specimen.file });
      assert.equal(format?.mime, specimen.mime, specimen.name);
    }
  });
});

async function checkNatural(specimen: Specimen, contentType: string, body: Buffer): Promise<void> {
  const expect = specimen.natural!.expect;
  assert.ok(contentType.startsWith(expect.mime) || (await magicOf(body)) === expect.mime, `content-type ${contentType}, expected ${expect.mime}`);
  const magic = await magicOf(body);
  if (magic && magic !== 'application/xml') assert.equal(magic, expect.mime, 'magic bytes');
  let text = body.toString('utf8');
  if (expect.mime === 'application/pdf') {
    const file = join(tmpdir(), `omnic-zoo-${specimen.name}-${process.pid}.pdf`);
    await writeFile(file, body);
    if (expect.pages !== undefined) assert.equal(await pdfPages(file), expect.pages, 'page count');
    text = await pdfText(file);
  }
  if (expect.width !== undefined || expect.height !== undefined) {
    const probe = await probeImage(body);
    if (expect.width !== undefined) assert.equal(probe.width, expect.width);
    if (expect.height !== undefined) assert.equal(probe.height, expect.height);
    assert.ok(probe.spread > 2, 'image is not blank');
  } else if (expect.mime.startsWith('image/') && expect.mime !== 'image/svg+xml') {
    assert.ok((await probeImage(body)).spread > 2, 'image is not blank');
  }
  const flat = text.replace(/\s+/g, ' ');
  for (const needle of expect.text ?? []) assert.ok(flat.includes(needle), `output lacks "${needle}"`);
  for (const needle of expect.notText ?? []) assert.ok(!text.toLowerCase().includes(needle.toLowerCase()), `output contains "${needle}"`);
}
