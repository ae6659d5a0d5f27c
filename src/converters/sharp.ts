// sharp (libvips, in process): raster and SVG images to jpeg/png/webp/avif/gif/tiff, and every resize and thumbnail.
import { readFile } from 'node:fs/promises';
import sharp, { type FormatEnum, type Sharp } from 'sharp';
import { InputRejectedError, SourceTooLargeError } from '../errors.js';
import type { Converter, Edge, Step } from './converter.js';

/** What sharp's prebuilt libvips reads (no HEIC, no PDF) and writes. */
export const SHARP_INPUTS = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/tiff', 'image/svg+xml'];
export const SHARP_OUTPUTS = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/tiff'];

/** sharp's output format for each MIME type it writes. */
export const OUTPUT_FORMAT: Record<string, keyof FormatEnum> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
};
const DEFAULT_QUALITY: Partial<Record<keyof FormatEnum, number>> = { jpeg: 80, webp: 80, avif: 50, tiff: 80 };
const OPAQUE = new Set(['image/jpeg']);

function edges(): Edge[] {
  // Identity edges (png → png) only ever serve as the final resize step of a sized target.
  return SHARP_INPUTS.flatMap((from) => SHARP_OUTPUTS.map((to) => ({ from, to, cost: from === to ? 1 : 2 })));
}

export function createSharpConverter(): Converter {
  let maxPixels = 50_000_000;
  return {
    name: 'sharp',
    tools: [],
    edges: edges(),
    options: ['bg', 'dpr', 'fit', 'q'],
    readsBytes: true,
    libraryVersion: `sharp ${sharp.versions.sharp ?? ''} libvips ${sharp.versions.vips}`,
    async start(runtime) {
      maxPixels = runtime.limits.maxPixels;
      // libvips' operation cache pays off when the same image is processed again; omnic caches results itself and
      // never sees the same input twice in a row, so the cache only costs memory and lookups (imgproxy turns it off too).
      sharp.cache(false);
    },
    async run(step) {
      try {
        // SVG is read from memory so librsvg has no base directory to resolve relative references against.
        const input = step.inputBytes ?? (step.from === 'image/svg+xml' ? await readFile(step.input) : step.input);
        // libvips stops at the deadline too, so a timed-out step frees its CPU instead of finishing in the background.
        const image = pipeline(step, input, maxPixels).timeout({ seconds: Math.max(1, Math.ceil(step.timeoutMs / 1000)) });
        // Sized targets are small: hand the bytes back, so the first answer comes from memory. Full-size ones stream to disk.
        if (step.resize) return await image.toBuffer();
        await image.toFile(step.output);
      } catch (err) {
        throw translate(err, step);
      }
    },
  };
}

function pipeline(step: Step, input: string | Buffer, maxPixels: number): Sharp {
  const format = OUTPUT_FORMAT[step.to];
  if (!format) throw new InputRejectedError(`sharp cannot write ${step.to}.`);
  const { options, resize } = step;
  const background = options.bg ? `#${options.bg}` : OPAQUE.has(step.to) ? '#ffffff' : { r: 0, g: 0, b: 0, alpha: 0 };
  let image = sharp(input, {
    limitInputPixels: maxPixels,
    animated: false,
    // Vector sources are rasterised at twice the CSS resolution so thumbnails stay sharp.
    density: step.from === 'image/svg+xml' ? 144 * (options.dpr ?? 1) : undefined,
  }).rotate();
  if (resize) {
    image = image.resize({
      width: resize.width,
      height: resize.height,
      fit: resize.fit,
      position: resize.anchor === 'top' ? 'north' : 'centre',
      background,
      withoutEnlargement: !resize.enlarge,
    });
  }
  if (options.bg || OPAQUE.has(step.to)) image = image.flatten({ background });
  const quality = options.q ?? DEFAULT_QUALITY[format];
  return image.toFormat(format, quality ? { quality } : {});
}

function translate(err: unknown, step: Step): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return new SourceTooLargeError('The source image has more pixels than OMNIC_MAX_SOURCE_PIXELS allows.');
  }
  if (err instanceof InputRejectedError) return err;
  return new InputRejectedError(`The ${step.from} source could not be decoded as an image (corrupt, truncated or unsupported).`, err);
}
