// Inkscape (headless CLI): svg → png and pdf at higher fidelity than librsvg, and eps / ai → editable svg.
import { copyFile, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputRejectedError } from '../errors.js';
import { MAX_SIDE } from '../typestring.js';
import type { Converter, Step } from './converter.js';
import { asEps, GS_SAFE_ARGS } from './ghostscript.js';

const SVG = 'image/svg+xml';
const PDF = 'application/pdf';
/** Twice CSS resolution, as sharp rasterises SVG, so thumbnails stay sharp. */
const EXPORT_DPI = 192;
const MAX_SVG_BYTES = 64 * 1024 * 1024;

export function createInkscapeConverter(): Converter {
  let maxPixels = 50_000_000;
  return {
    name: 'inkscape',
    tools: [
      { name: 'inkscape', package: 'inkscape', versionArgs: ['--version'] },
      // Inkscape's own EPS import needs a display; EPS goes through gs to PDF first (same flags as the ghostscript converter).
      { name: 'gs', package: 'ghostscript', versionArgs: ['--version'] },
    ],
    edges: [
      // Costlier than sharp's svg → png (2) so sharp stays the default; a profile without sharp gets Inkscape.
      { from: SVG, to: 'image/png', cost: 4 },
      { from: SVG, to: PDF, cost: 3 },
      // Below gs + pdftocairo (3 + 3), so eps → svg is Inkscape's editable SVG; above gs + poppler + sharp for
      // thumbnails (3 + 2 + 1 < 5 + 2), which are faster and as faithful that way.
      { from: 'application/eps', to: SVG, cost: 5 },
      { from: 'application/illustrator', to: SVG, cost: 5 },
    ],
    options: [],
    // Inkscape holds 100–300 MB per process; two at a time keep a small instance responsive.
    concurrency: 2,
    timeoutMs: 60_000,
    async start(runtime) {
      maxPixels = runtime.limits.maxPixels;
    },
    async run(step) {
      const input = step.from === SVG ? await stageSvg(step) : await stagePdf(step);
      const type = step.to === PDF ? 'pdf' : step.to === SVG ? 'svg' : 'png';
      // Inkscape picks the file type from the name (a cache path has no extension): export in the job dir, then move.
      const output = join(step.workDir, `output.${type}`);
      const args = [`--export-filename=${output}`, `--export-type=${type}`];
      if (type === 'png') args.push(`--export-dpi=${exportDpi(await readFile(input, 'utf8'), maxPixels)}`);
      if (type === 'svg') args.push('--export-plain-svg');
      // HOME and TMPDIR are the job dir already; the profile (preferences, font cache) goes there too.
      await step.exec('inkscape', [...args, input], { env: { INKSCAPE_PROFILE_DIR: join(step.workDir, '.inkscape') } });
      await rename(output, step.output).catch((err) => {
        throw new InputRejectedError(`Inkscape produced no ${type} from this ${step.from} source; it may be empty or broken.`, err);
      });
    },
  };
}

/** Copies the SVG (inflating svgz) into the job dir as input.svg, after refusing anything that would load other files. */
async function stageSvg(step: Step): Promise<string> {
  let bytes = await readFile(step.input);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_SVG_BYTES });
    } catch (err) {
      throw new InputRejectedError('This svgz file could not be inflated (corrupt, or larger than 64 MB once inflated).', err);
    }
  }
  assertSelfContained(bytes.toString('utf8'));
  const staged = join(step.workDir, 'input.svg');
  await writeFile(staged, bytes);
  return staged;
}

/**
 * Inkscape resolves <image href>, CSS url() and @import against the disk and would embed any readable file
 * (another job's output, a key) into the result; XML entities can do the same. Only in-document (#id) and
 * data: references are allowed.
 */
export function assertSelfContained(svg: string): void {
  if (/<!ENTITY/i.test(svg)) throw new InputRejectedError('This SVG declares XML entities, which omnic does not expand. Remove the DOCTYPE entities.');
  if (/@import/i.test(svg)) throw new InputRejectedError('This SVG imports external style sheets, which omnic does not load. Inline the styles.');
  // Hyperlinks (<a href>) are never fetched; every other href (image, use, feImage, script) and url() is.
  const hrefs = [...svg.matchAll(/<([\w:.-]+)\b[^>]*?\bhref\s*=\s*(["'])(.*?)\2/gis)].filter((m) => !/^(\w+:)?a$/i.test(m[1]!)).map((m) => m[3]!);
  const urls = [...svg.matchAll(/url\(\s*(["']?)(.*?)\1\s*\)/gis)].map((m) => m[2]!);
  const refs = [...hrefs, ...urls].map((ref) => ref.trim());
  const external = refs.find((ref) => !ref.startsWith('#') && !/^data:/i.test(ref));
  if (external !== undefined) {
    throw new InputRejectedError('This SVG references external files or URLs, which omnic does not load. Embed images as data: URIs.');
  }
}

/** EPS and old PostScript-based AI files become a PDF through gs; PDF-based AI files are imported as PDF directly. */
async function stagePdf(step: Step): Promise<string> {
  const staged = join(step.workDir, 'input.pdf');
  if ((await head(step.input, 5)) === '%PDF-') {
    await copyFile(step.input, staged);
    return staged;
  }
  const gs = [...GS_SAFE_ARGS, '-dEPSCrop', '-sDEVICE=pdfwrite', `-sOutputFile=${staged}`, '-f', await asEps(step)];
  await step.exec('gs', gs);
  return staged;
}

async function head(path: string, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

const UNIT_PX: Readonly<Record<string, number>> = { '': 1, px: 1, pt: 4 / 3, pc: 16, mm: 96 / 25.4, cm: 96 / 2.54, in: 96 };

/** The root <svg>'s size in CSS px, from width/height or else the viewBox; undefined when it cannot be told. */
export function svgSize(svg: string): { width: number; height: number } | undefined {
  const root = /<svg\b[^>]*>/is.exec(svg)?.[0] ?? '';
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(root)?.[1]?.trim();
  const length = (value?: string) => {
    const m = value ? /^([\d.]+(?:e[+-]?\d+)?)\s*([a-z]*)$/i.exec(value) : null;
    const unit = m ? UNIT_PX[m[2]!.toLowerCase()] : undefined;
    return m && unit ? Number(m[1]) * unit : undefined;
  };
  const box = attr('viewBox')?.split(/[\s,]+/).map(Number);
  const width = length(attr('width')) ?? box?.[2];
  const height = length(attr('height')) ?? box?.[3];
  return width && height && Number.isFinite(width) && Number.isFinite(height) ? { width, height } : undefined;
}

/** EXPORT_DPI, lowered so the PNG stays within MAX_SIDE a side and maxPixels in all. */
export function exportDpi(svg: string, maxPixels: number): number {
  const size = svgSize(svg);
  if (!size) return 96;
  const scale = Math.min(EXPORT_DPI / 96, MAX_SIDE / size.width, MAX_SIDE / size.height, Math.sqrt(maxPixels / (size.width * size.height)));
  return Math.max(1, Math.floor(scale * 96));
}
