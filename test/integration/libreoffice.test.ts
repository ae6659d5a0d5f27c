// Office documents through the real app: /media pdf and thumbnails (page selection), POST /convert, 422 on broken files, no soffice left after stop.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { MissingToolError } from '../../src/converters/tools.js';
import { HOSTILE, SPECIMENS, zooPath } from '../fixtures/zoo/index.js';
import { mediaPath, startOmnic, type TestOmnic } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { assertImage, assertPdf } from '../helpers/probe.js';

const OFFICE = SPECIMENS.filter((s) => s.converter === 'libreoffice');
const specimen = (name: string) => OFFICE.find((s) => s.name === name)!;

/** Live soffice.bin processes started by a libreoffice pool (their profile lives under omnic-libreoffice-*). */
async function poolSoffices(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('omnic-libreoffice-') && cmdline.split('\0')[0]!.endsWith('soffice.bin')) pids.push(Number(entry));
  }
  return pids;
}

let omnic: TestOmnic | undefined;
let origin: Origin;
let dir: string;
let skip: string | undefined;
let preexisting: number[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnic-it-office-'));
  const profile = join(dir, 'office.json');
  await writeFile(profile, JSON.stringify({ name: 'office', description: 'Office documents to PDF and thumbnails.', converters: ['sharp', 'poppler', 'libreoffice'], inputs: ['*/*'], outputs: ['*/*'], limits: {} }));
  origin = await startOrigin();
  for (const s of [...OFFICE, ...HOSTILE.filter((h) => h.converter === 'libreoffice')]) origin.file(`/${s.file.split('/').pop()}`, zooPath(s.file));
  preexisting = await poolSoffices();
  try {
    omnic = await startOmnic({ OMNIC_PROFILE: profile, OMNIC_WAIT_MS: '60000', OMNIC_LIBREOFFICE_POOL_SIZE: '2' });
  } catch (err) {
    if (!(err instanceof MissingToolError) || process.env.CI === 'true') throw err;
    skip = err.message;
  }
});

after(async () => {
  await omnic?.close();
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

const src = (file: string) => origin.url(`/${file.split('/').pop()}`);

describe('libreoffice through /media and /convert', () => {
  it('serves a docx as a real PDF with its pages and text', async (t) => {
    if (skip) return t.skip(skip);
    const report = specimen('docx-report');
    const res = await omnic!.get(mediaPath('pdf', src(report.file)));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/pdf/);
    assert.equal(res.headers.get('x-omnic-path'), 'docx>pdf');
    const pdf = join(dir, 'report.pdf');
    await writeFile(pdf, Buffer.from(await res.arrayBuffer()));
    await assertPdf(pdf, { pages: 3, text: report.natural!.expect.text });
  });

  it('thumbnails docx, xlsx, pptx, odt, rtf and csv at 200×200', async (t) => {
    if (skip) return t.skip(skip);
    for (const name of ['docx-letter', 'xlsx-budget', 'pptx-pitch', 'odt-report', 'rtf-letter', 'csv-cities', 'vsdx-process']) {
      const res = await omnic!.get(mediaPath('thumb.png:200x200', src(specimen(name).file)));
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get('x-omnic-path') ?? '', /^\w+>pdf>png>thumb\.png$/, name);
      await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'png', width: 200, height: 200 });
    }
  });

  it('page=2 of a presentation shows the second slide, not the first', async (t) => {
    if (skip) return t.skip(skip);
    const deck = src(specimen('pptx-deck').file);
    const [one, two] = await Promise.all(['thumb.png:200x200', 'thumb.png:200x200,page=2'].map(async (ts) => {
      const res = await omnic!.get(mediaPath(ts, deck));
      assert.equal(res.status, 200, ts);
      return Buffer.from(await res.arrayBuffer());
    }));
    const [a, b] = await Promise.all([one!, two!].map((png) => sharp(png).greyscale().raw().toBuffer()));
    let diff = 0;
    for (let i = 0; i < a!.length; i++) diff += Math.abs(a![i]! - b![i]!);
    assert.ok(diff / a!.length > 3, `page 2 looks like page 1 (mean difference ${(diff / a!.length).toFixed(2)})`);
  });

  it('POST /convert/pdf of an xlsx answers the PDF synchronously', async (t) => {
    if (skip) return t.skip(skip);
    const inventory = specimen('xlsx-inventory');
    const res = await fetch(`${omnic!.url}/convert/pdf`, { method: 'POST', body: new Uint8Array(await readFile(zooPath(inventory.file))) });
    assert.equal(res.status, 200);
    const pdf = join(dir, 'inventory.pdf');
    await writeFile(pdf, Buffer.from(await res.arrayBuffer()));
    await assertPdf(pdf, { pages: 2, text: ['North bolts', 'South springs'] });
  });

  it('broken office files get 422 input_rejected, never 500', async (t) => {
    if (skip) return t.skip(skip);
    for (const hostile of HOSTILE.filter((h) => h.converter === 'libreoffice')) {
      const res = await omnic!.get(mediaPath(hostile.typestring, src(hostile.file)));
      assert.equal(res.status, hostile.status, hostile.name);
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(body.error, 'input_rejected', hostile.name);
      assert.doesNotMatch(body.message, /\/tmp|soffice|load_failed/, 'the message leaks internals');
    }
  });

  it('a killed listener is restarted, counted in omnic_converter_restarts_total, and documents keep converting', async (t) => {
    if (skip) return t.skip(skip);
    const [victim] = (await poolSoffices()).filter((pid) => !preexisting.includes(pid));
    process.kill(victim!, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    while ((await omnic!.metric('omnic_converter_restarts_total', { converter: 'libreoffice' })) < 1) {
      assert.ok(Date.now() < deadline, 'no restart was counted');
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await omnic!.get(mediaPath('thumb.png:200x200', src(specimen('odp-pitch').file)));
    assert.equal(res.status, 200);
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'png', width: 200, height: 200 });
  });

  it('stop() ends every soffice the pool started', async (t) => {
    if (skip) return t.skip(skip);
    // The listener replaced in the previous test may still be starting: wait for both.
    let mine: number[] = [];
    for (const deadline = Date.now() + 60_000; mine.length !== 2 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      mine = (await poolSoffices()).filter((pid) => !preexisting.includes(pid));
    }
    assert.equal(mine.length, 2, 'expected two warm listeners');
    await omnic!.close();
    omnic = undefined;
    const left = (await poolSoffices()).filter((pid) => mine.includes(pid));
    assert.deepEqual(left, []);
  });
});
