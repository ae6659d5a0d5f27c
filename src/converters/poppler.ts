// poppler-utils: one PDF page → png (pdftoppm) or svg (pdftocairo), and a PDF's text → txt (pdftotext).
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { InputRejectedError } from '../errors.js';
import type { Converter, Step } from './converter.js';
import { ToolFailedError } from './exec.js';

const PDF = 'application/pdf';
const tool = (name: string) => ({ name, package: 'poppler-utils', versionArgs: ['-v'] });

/** Longest side of a rendered page: sharp thumbnails up to 1024 px at dpr 2, an A4 page at about 175 dpi. */
const RENDER_SIDE = 2048;

export function createPopplerConverter(): Converter {
  let maxPixels = 50_000_000;
  return {
    name: 'poppler',
    tools: [tool('pdfinfo'), tool('pdftoppm'), tool('pdftocairo'), tool('pdftotext')],
    edges: [
      { from: PDF, to: 'image/png', cost: 2 },
      { from: PDF, to: 'image/svg+xml', cost: 3 },
      { from: PDF, to: 'text/plain', cost: 1 },
    ],
    options: ['page'],
    timeoutMs: 60_000,
    async start(runtime) {
      maxPixels = runtime.limits.maxPixels;
    },
    async run(step) {
      const pages = await pageCount(step);
      const page = step.options.page;
      if (page !== undefined && page > pages) {
        throw new InputRejectedError(`This PDF has ${pages} page${pages === 1 ? '' : 's'}; page=${page} is past its end. Use page=1 to ${pages}.`);
      }
      if (step.to === 'image/png') await renderPng(step, page ?? 1, Math.min(RENDER_SIDE, Math.floor(Math.sqrt(maxPixels))));
      else if (step.to === 'image/svg+xml') await step.exec('pdftocairo', ['-svg', '-f', String(page ?? 1), '-l', String(page ?? 1), step.input, step.output]);
      else await step.exec('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', '-enc', 'UTF-8', step.input, step.output]);
    },
  };
}

/** Page count from pdfinfo; also where encrypted and unreadable PDFs are told apart for the client. */
async function pageCount(step: Step): Promise<number> {
  let stdout: string;
  try {
    ({ stdout } = await step.exec('pdfinfo', [step.input], { captureStdout: true, maxStdoutBytes: 256 * 1024 }));
  } catch (err) {
    if (err instanceof ToolFailedError && /password/i.test(err.stderr)) {
      throw new InputRejectedError('This PDF is encrypted with a password; omnic cannot open it. Send an unencrypted copy.', err);
    }
    throw err;
  }
  const pages = Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1] ?? 0);
  if (!pages) throw new InputRejectedError('This PDF has no pages that can be read; it may be corrupt or truncated.');
  return pages;
}

async function renderPng(step: Step, page: number, side: number): Promise<void> {
  // pdftoppm appends the extension itself; render next to the job, then move into place.
  const base = join(step.workDir, 'page');
  const args = ['-f', String(page), '-l', String(page), '-singlefile', '-png', '-cropbox', '-scale-to', String(side), step.input, base];
  await step.exec('pdftoppm', args);
  await rename(`${base}.png`, step.output).catch((err) => {
    throw new InputRejectedError(`pdftoppm rendered nothing for page ${page} of this PDF; it may be broken.`, err);
  });
}
