// ImageMagick: raster formats sharp cannot read (bmp ico psd tga xcf pcx pnm heic camera raw) → png, under a deny-by-default policy.
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputRejectedError, SourceTooLargeError } from '../errors.js';
import type { Converter, Edge, Step } from './converter.js';
import { execTool } from './exec.js';

/**
 * Input MIME → ImageMagick coder. The input is always read as `<coder>:<path>` so IM never guesses the
 * format from the bytes (a .bmp that is really MVG or SVG stays a broken BMP). JPEG XL is absent: neither
 * Debian bookworm's IM6 nor trixie's IM7 is built with libjxl. HEIC needs libheif with its libde265 plugin;
 * camera raw needs IM built with libraw (trixie's IM7 is; bookworm's IM6 only has a ufraw delegate, which
 * the policy forbids), so start() drops the edges whose coder the installed IM cannot read.
 */
export const IMAGEMAGICK_CODERS: Readonly<Record<string, string>> = {
  'image/bmp': 'BMP',
  'image/x-icon': 'ICO',
  'image/vnd.adobe.photoshop': 'PSD',
  'image/x-tga': 'TGA',
  'image/x-xcf': 'XCF',
  'image/x-pcx': 'PCX',
  'image/x-portable-anymap': 'PNM',
  'image/heic': 'HEIC',
  'image/x-adobe-dng': 'DNG',
  'image/x-canon-cr2': 'CR2',
  'image/x-nikon-nef': 'NEF',
  'image/x-sony-arw': 'ARW',
};

/** Decoding camera raw is far heavier than a BMP; the cost keeps raw → png honest in path sums. */
const COST: Readonly<Record<string, number>> = { DNG: 6, CR2: 6, NEF: 6, ARW: 6, HEIC: 4 };

const POLICY_TEMPLATE = new URL('./imagemagick-policy.xml', import.meta.url);

export function createImageMagickConverter(): Converter {
  const edges: Edge[] = Object.entries(IMAGEMAGICK_CODERS).map(([from, coder]) => ({ from, to: 'image/png', cost: COST[coder] ?? 3 }));
  let policy = '';
  let maxPixels = 50_000_000;
  return {
    name: 'imagemagick',
    tools: [{ name: 'magick', candidates: ['magick', 'convert-im6.q16', 'convert'], package: 'imagemagick', versionArgs: ['-version'] }],
    edges,
    options: [],
    timeoutMs: 60_000,
    async start(runtime) {
      maxPixels = runtime.limits.maxPixels;
      policy = await renderPolicy(maxPixels);
      const readable = await readableCoders(runtime.tools.magick!.path);
      const dropped = edges.filter((edge) => !readable.has(IMAGEMAGICK_CODERS[edge.from]!));
      // The graph must only offer what this ImageMagick build really decodes (edges is the array the graph reads).
      for (const edge of dropped) edges.splice(edges.indexOf(edge), 1);
      if (dropped.length) runtime.log.warn('imagemagick: this build cannot read some formats; their edges are off', { formats: dropped.map((e) => e.from) });
    },
    async run(step) {
      const coder = IMAGEMAGICK_CODERS[step.from];
      if (!coder || step.to !== 'image/png') throw new InputRejectedError(`ImageMagick does not convert ${step.from} to ${step.to}.`);
      const env = await installPolicy(step.workDir, policy);
      const read = coder === 'XCF' ? await flattenXcf(step, maxPixels) : [`${coder}:${step.input}[${await chooseFrame(step, coder, env, maxPixels)}]`];
      await step.exec('magick', [...read, `PNG:${step.output}`], { env });
    },
  };
}

/** Built-in libraries a coder needs; without them IM lists the coder but hands it to a delegate program, which the policy forbids. */
const NEEDS: Readonly<Record<string, string>> = { HEIC: 'heic', DNG: 'raw', CR2: 'raw', NEF: 'raw', ARW: 'raw' };

/** Coders this ImageMagick build can read itself: listed readable by `-list format`, with their library built in. */
async function readableCoders(path: string): Promise<Set<string>> {
  const run = async (args: string[]) => (await execTool(path, args, { cwd: tmpdir(), timeoutMs: 15_000, captureStdout: true })).stdout;
  const builtIn = new Set((/^Delegates \(built-in\):(.*)$/m.exec(await run(['-version']))?.[1] ?? '').trim().split(/\s+/));
  const readable = new Set<string>();
  for (const line of (await run(['-list', 'format'])).split('\n')) {
    const match = /^\s*([A-Z0-9-]+)\*?\s+\S+\s+r/.exec(line);
    const coder = match?.[1];
    if (coder && (!NEEDS[coder] || builtIn.has(NEEDS[coder]))) readable.add(coder);
  }
  return readable;
}

/** imagemagick-policy.xml with the pixel cap filled in. */
export async function renderPolicy(maxPixels: number): Promise<string> {
  return (await readFile(POLICY_TEMPLATE, 'utf8')).replaceAll('@AREA@', String(maxPixels));
}

/** Writes the policy into the job dir: MAGICK_CONFIGURE_PATH makes IM6 and IM7 load it on top of the system one. */
export async function installPolicy(workDir: string, policy: string): Promise<Record<string, string>> {
  const dir = join(workDir, '.magick');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'policy.xml'), policy);
  return { MAGICK_CONFIGURE_PATH: dir, MAGICK_TEMPORARY_PATH: workDir };
}

/**
 * Pings the frames (no pixel decoding) to enforce the pixel cap before decoding and to pick the frame:
 * an icon's largest image (ICO lists 16×16 first), otherwise frame 0 (PSD's merged composite, HEIC's
 * primary image).
 */
async function chooseFrame(step: Step, coder: string, env: Record<string, string>, maxPixels: number): Promise<number> {
  const spec = coder === 'ICO' ? `${coder}:${step.input}` : `${coder}:${step.input}[0]`;
  const { stdout } = await step.exec('magick', ['-ping', spec, '-format', '%w %h\\n', 'INFO:-'], { env, captureStdout: true, maxStdoutBytes: 64 * 1024 });
  const frames = stdout.split('\n').filter(Boolean).map((line) => line.split(' ').map(Number) as [number, number]);
  if (!frames.length) throw new InputRejectedError(`ImageMagick found no image in this ${coder} source.`);
  let best = 0;
  frames.forEach(([w, h], i) => {
    if (w * h > frames[best]![0] * frames[best]![1]) best = i;
  });
  const [width, height] = frames[best]!;
  if (width * height > maxPixels) {
    throw new SourceTooLargeError(`The source image is ${width}×${height} pixels, more than OMNIC_MAX_SOURCE_PIXELS (${maxPixels}) allows.`);
  }
  return coder === 'ICO' ? best : 0;
}

/**
 * XCF has no merged image: IM returns the layers, each with its own offset but without the canvas size, so
 * the canvas comes from the file header (magic, then width and height, big-endian) and every layer is
 * placed on it before flattening.
 */
async function flattenXcf(step: Step, maxPixels: number): Promise<string[]> {
  const handle = await open(step.input, 'r');
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(22), 0, 22, 0).finally(() => handle.close());
  if (bytesRead < 22 || !buffer.toString('latin1', 0, 9).startsWith('gimp xcf')) throw new InputRejectedError('This is not a GIMP XCF file.');
  const [width, height] = [buffer.readUInt32BE(14), buffer.readUInt32BE(18)];
  if (!width || !height) throw new InputRejectedError('This XCF file declares an empty canvas.');
  if (width * height > maxPixels) {
    throw new SourceTooLargeError(`The source image is ${width}×${height} pixels, more than OMNIC_MAX_SOURCE_PIXELS (${maxPixels}) allows.`);
  }
  return [`XCF:${step.input}`, '-repage', `${width}x${height}`, '-background', 'none', '-flatten'];
}
