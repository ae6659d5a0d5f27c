// Placeholder bodies for 202 answers: an image of the requested type and size, or an empty body of the right type.
import sharp from 'sharp';
import { OUTPUT_FORMAT } from './converters/sharp.js';
import { isSized, outputBox, type Target } from './typestring.js';

const SVG = 'image/svg+xml';

export type Placeholders = ReturnType<typeof createPlaceholders>;

/** Renders placeholders once per (type, size) and keeps them in memory. */
export function createPlaceholders(maxEntries = 256) {
  const made = new Map<string, Promise<Buffer>>();
  return {
    body(target: Target): Promise<Buffer> {
      const box = isSized(target) ? outputBox(target) : {};
      const width = box.width ?? box.height ?? 1;
      const height = box.height ?? box.width ?? 1;
      const key = `${target.format.mime}:${width}x${height}`;
      let body = made.get(key);
      if (!body) {
        if (made.size >= maxEntries) made.delete(made.keys().next().value!);
        body = render(target.format.mime, width, height);
        made.set(key, body);
      }
      return body;
    },
  };
}

async function render(mime: string, width: number, height: number): Promise<Buffer> {
  if (mime === SVG) {
    return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#eeeeee"/></svg>`);
  }
  const format = OUTPUT_FORMAT[mime];
  if (!format) return Buffer.alloc(0);
  return sharp({ create: { width, height, channels: 3, background: '#eeeeee' } }).toFormat(format).toBuffer();
}
