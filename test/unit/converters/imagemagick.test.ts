// The imagemagick converter with the real ImageMagick: every zoo raster specimen → png, frame choice, policy and limits.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { createImageMagickConverter, installPolicy, renderPolicy } from '../../../src/converters/imagemagick.js';
import { execTool } from '../../../src/converters/exec.js';
import { resolveTools } from '../../../src/converters/tools.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/specimen.js';

const PNG = 'image/png';
const raster = (name: string) => zooPath(`files/raster/${name}`);

async function pixel(path: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

const near = (actual: number[], expected: number[], tolerance = 24) =>
  assert.ok(actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance), `pixel ${actual} is not near ${expected}`);

test('imagemagick converts every raster family to a faithful png', async (t) => {
  const im = await startConverter(t, createImageMagickConverter());
  if (!im) return;
  const cases: [string, string, number, number][] = [
    ['scene.bmp', 'image/bmp', 320, 240],
    ['plasma-odd-width.bmp', 'image/bmp', 97, 61],
    ['square-32.ico', 'image/x-icon', 32, 32],
    ['cmyk.psd', 'image/vnd.adobe.photoshop', 300, 200],
    ['scene-rle.tga', 'image/x-tga', 256, 192],
    ['alpha-gradient.tga', 'image/x-tga', 150, 200],
    ['scene.pcx', 'image/x-pcx', 320, 200],
    ['checker-palette.pcx', 'image/x-pcx', 128, 96],
    ['scene-raw.ppm', 'image/x-portable-anymap', 240, 160],
    ['plain-p3.ppm', 'image/x-portable-anymap', 64, 48],
    ['scene.heic', 'image/heic', 320, 240],
    ['portrait.heic', 'image/heic', 180, 240],
  ];
  for (const [file, from, width, height] of cases) {
    await t.test(file, async () => {
      await assertImage(await im.convert(raster(file), from, PNG), { format: 'png', width, height, minSpread: 5 });
    });
  }
  await im.stop();
});

test('imagemagick picks the largest icon frame, the PSD composite and flattens XCF layers', async (t) => {
  const im = await startConverter(t, createImageMagickConverter());
  if (!im) return;
  // favicon-multi.ico holds 16, 32, 48 and 128 px frames, the largest last.
  await assertImage(await im.convert(raster('favicon-multi.ico'), 'image/x-icon', PNG), { format: 'png', width: 128, height: 128 });
  // layered.psd: an orange gradient with a blue "LAYER" box at +120+90; the composite shows both.
  const psd = await im.convert(raster('layered.psd'), 'image/vnd.adobe.photoshop', PNG);
  await assertImage(psd, { format: 'png', width: 400, height: 300 });
  near(await pixel(psd, 125, 95), [0x15, 0x65, 0xc0]);
  near(await pixel(psd, 20, 280), [0xff, 0x93, 0x0a], 40);
  // no-composite.psd: the same layers, but flagged as having no real merged image and a white composite.
  const merged = await im.convert(raster('no-composite.psd'), 'image/vnd.adobe.photoshop', PNG);
  near(await pixel(merged, 125, 95), [0x15, 0x65, 0xc0]);
  near(await pixel(merged, 20, 280), [0xff, 0x93, 0x0a], 40);
  // two-layers.xcf: a red disc layer over a teal-to-navy background layer, transparent around the disc.
  const xcf = await im.convert(raster('two-layers.xcf'), 'image/x-xcf', PNG);
  await assertImage(xcf, { format: 'png', width: 200, height: 150 });
  near(await pixel(xcf, 140, 75), [220, 30, 40]);
  near(await pixel(xcf, 102, 37), [0, 128, 172]);
  // sticker.xcf: a 160×120 canvas; a green tab at -20,-10 and a striped label at +30+40, transparent elsewhere.
  const sticker = await im.convert(raster('sticker.xcf'), 'image/x-xcf', PNG);
  await assertImage(sticker, { format: 'png', width: 160, height: 120 });
  near(await pixel(sticker, 5, 5), [30, 150, 60]);
  near(await pixel(sticker, 35, 45), [240, 120, 0]);
  const { data } = await sharp(sticker).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.equal(data[(110 * 160 + 150) * 4 + 3], 0, 'the canvas outside the layers should be transparent');
  await im.stop();
});

test('imagemagick rejects corrupt and truncated sources with 422', async (t) => {
  const im = await startConverter(t, createImageMagickConverter());
  if (!im) return;
  for (const [file, from] of [['hostile-header.bmp', 'image/bmp'], ['hostile-truncated.psd', 'image/vnd.adobe.photoshop']]) {
    await assert.rejects(im.convert(raster(file!), from!, PNG), (err: { status?: number; code?: string }) => err.status === 422 && err.code === 'input_rejected');
  }
  await im.stop();
});

test('the policy is in force: IM lists it and denies URL, MVG, TEXT, PS and PDF coders, delegates and @ reads', async (t) => {
  const im = await startConverter(t, createImageMagickConverter());
  if (!im) return;
  const { magick } = await resolveTools([createImageMagickConverter()], {});
  const dir = await mkdtemp(join(tmpdir(), 'omnic-im-policy-'));
  const env = await installPolicy(dir, await renderPolicy(12_345_678));
  const { stdout } = await execTool(magick!.path, ['-list', 'policy'], { cwd: dir, timeoutMs: 15_000, env, captureStdout: true });
  assert.ok(stdout.includes(join(dir, '.magick', 'policy.xml')), 'our policy.xml is not loaded');
  assert.match(stdout, /\{URL,HTTP,HTTPS,FTP,MSL,MVG,SVG,TEXT/);
  const { stdout: limits } = await execTool(magick!.path, ['-list', 'resource'], { cwd: dir, timeoutMs: 15_000, env, captureStdout: true });
  assert.match(limits, /Area: 12\.3\d*MP/);
  assert.match(limits, /Memory: 256MiB/);
  for (const source of ['label:omnic', 'text:/etc/hostname', 'mvg:/dev/null', 'ps:/dev/null', 'pdf:/dev/null', 'https://127.0.0.1/x.png', '@/etc/hostname']) {
    await assert.rejects(execTool(magick!.path, [source, join(dir, 'out.png')], { cwd: dir, timeoutMs: 15_000, env }), Error, source);
  }
  await im.stop();
});

test('imagemagick reads only with the declared coder and under its policy', async (t) => {
  const im = await startConverter(t, createImageMagickConverter());
  if (!im) return;
  const dir = await mkdtemp(join(tmpdir(), 'omnic-im-hostile-'));
  // An SVG or MVG script that claims to be a BMP must not be rendered (IM would otherwise sniff and run it).
  const svg = join(dir, 'image.bmp');
  await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="https://127.0.0.1/x.png"/></svg>');
  await assert.rejects(im.convert(svg, 'image/bmp', PNG), { status: 422 });
  const mvg = join(dir, 'draw.tga');
  await writeFile(mvg, 'push graphic-context\nviewbox 0 0 10 10\nimage over 0,0 0,0 "text:/etc/passwd"\npop graphic-context\n');
  await assert.rejects(im.convert(mvg, 'image/x-tga', PNG), { status: 422 });
  await im.stop();
});

test('imagemagick refuses a source over the pixel cap before decoding it', async (t) => {
  const im = await startConverter(t, createImageMagickConverter());
  if (!im) return;
  const dir = await mkdtemp(join(tmpdir(), 'omnic-im-bomb-'));
  // A 20000×20000 PPM header with no pixel data: 400 MP, over the harness's 50 MP cap.
  const bomb = join(dir, 'bomb.ppm');
  await writeFile(bomb, 'P6\n20000 20000\n255\n');
  await assert.rejects(im.convert(bomb, 'image/x-portable-anymap', PNG), { status: 413, code: 'source_too_large' });
  await im.stop();
});

test('imagemagick decodes camera raw (a linear DNG) when built with libraw, and offers no raw edge otherwise', async (t) => {
  const converter = createImageMagickConverter();
  const im = await startConverter(t, converter);
  if (!im) return;
  const dng = 'image/x-adobe-dng';
  if (converter.edges.some((edge) => edge.from === dng)) {
    // linear.dng: a blue sky, a yellow sun at (180, 45), a red box at (185, 120), in linear light.
    const png = await im.convert(raster('linear.dng'), dng, PNG);
    await assertImage(png, { format: 'png', width: 240, height: 160, minSpread: 10 });
    near(await pixel(png, 180, 45), [255, 213, 79], 40);
    near(await pixel(png, 185, 120), [198, 40, 40], 40);
  } else {
    // Debian bookworm's IM6 hands raw files to a ufraw delegate, which the policy forbids.
    t.diagnostic('this ImageMagick has no built-in libraw: camera raw edges are off');
    for (const raw of ['image/x-canon-cr2', 'image/x-nikon-nef', 'image/x-sony-arw']) assert.ok(!converter.edges.some((edge) => edge.from === raw));
  }
  await im.stop();
});

test('imagemagick only offers edges its build decodes', async (t) => {
  const converter = createImageMagickConverter();
  const im = await startConverter(t, converter);
  if (!im) return;
  const froms = converter.edges.map((edge) => edge.from);
  for (const always of ['image/bmp', 'image/x-icon', 'image/vnd.adobe.photoshop', 'image/x-tga', 'image/x-pcx', 'image/x-portable-anymap', 'image/x-xcf']) {
    assert.ok(froms.includes(always), `missing edge from ${always}`);
  }
  assert.ok(converter.edges.every((edge) => edge.to === PNG));
  await im.stop();
});
