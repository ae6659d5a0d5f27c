// Probes converted outputs the way a user would judge them: format, dimensions, not blank, pages, text.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';

const run = promisify(execFile);

export interface ImageProbe {
  format: string;
  width: number;
  height: number;
  /** Largest standard deviation of a colour channel, 0 for a flat image. */
  spread: number;
}

export async function probeImage(input: string | Buffer): Promise<ImageProbe> {
  const image = sharp(input);
  const meta = await image.metadata();
  // stats() ignores greyscale(), so take the widest colour channel: red text on white is flat in red alone.
  const stats = await image.clone().stats();
  const colour = stats.channels.slice(0, (meta.channels ?? 3) >= 3 ? 3 : 1);
  return { format: meta.format ?? 'unknown', width: meta.width ?? 0, height: meta.height ?? 0, spread: Math.max(0, ...colour.map((c) => c.stdev)) };
}

/** Asserts an image of the given format and exact size that is not a flat colour. */
export async function assertImage(input: string | Buffer, expected: { format: string; width?: number; height?: number; minSpread?: number }): Promise<ImageProbe> {
  const probe = await probeImage(input);
  assert.equal(probe.format, expected.format, `format ${probe.format}, expected ${expected.format}`);
  if (expected.width !== undefined) assert.equal(probe.width, expected.width, `width ${probe.width}, expected ${expected.width}`);
  if (expected.height !== undefined) assert.equal(probe.height, expected.height, `height ${probe.height}, expected ${expected.height}`);
  assert.ok(probe.spread >= (expected.minSpread ?? 2), `image looks blank (luminance stdev ${probe.spread.toFixed(2)})`);
  return probe;
}

/** The MIME type the bytes say (file-type), or undefined for text. */
export async function magicOf(input: string | Buffer): Promise<string | undefined> {
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  return (await fileTypeFromBuffer(bytes))?.mime;
}

/** Page count by pdfinfo (poppler-utils). */
export async function pdfPages(path: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [path]);
  const match = /^Pages:\s+(\d+)/m.exec(stdout);
  assert.ok(match, 'pdfinfo printed no page count');
  return Number(match[1]);
}

/** Text of a PDF by pdftotext (poppler-utils). */
export async function pdfText(path: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-layout', path, '-']);
  return stdout;
}

export async function assertPdf(path: string, expected: { pages?: number; minPages?: number; text?: string[] } = {}): Promise<void> {
  assert.equal(await magicOf(path), 'application/pdf', 'not a PDF');
  const pages = await pdfPages(path);
  if (expected.pages !== undefined) assert.equal(pages, expected.pages, `PDF has ${pages} pages`);
  if (expected.minPages !== undefined) assert.ok(pages >= expected.minPages, `PDF has ${pages} pages`);
  if (expected.text?.length) {
    const text = (await pdfText(path)).replace(/\s+/g, ' ');
    for (const needle of expected.text) assert.ok(text.includes(needle), `PDF text lacks "${needle}"`);
  }
}
