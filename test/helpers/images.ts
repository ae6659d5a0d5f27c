// Small generated images for tests that need "a photograph" without a file on disk.
import sharp from 'sharp';

/** A JPEG with a gradient and a shape, so thumbnails have something to show. */
export function makeJpeg(width = 1200, height = 800): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#2255aa"/><stop offset="1" stop-color="#aa5522"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#ffcc00"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
