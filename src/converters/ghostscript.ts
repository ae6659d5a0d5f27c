// Ghostscript: PostScript, EPS and Illustrator files → PDF (pdfwrite), always under -dSAFER.
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputRejectedError } from '../errors.js';
import type { Converter, Step } from './converter.js';

const PDF = 'application/pdf';

/**
 * -dSAFER stops a document from reading or writing files other than its input and output, or running
 * commands; -dNOPAUSE -dBATCH -dNOINTERACT keep gs from ever waiting on a terminal (there is no stdin).
 * Fonts are all embedded (NeverEmbed emptied) so the PDF renders the same wherever it goes next.
 */
export const GS_SAFE_ARGS = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-dNOINTERACT'];
const BASE_ARGS = [...GS_SAFE_ARGS, '-sDEVICE=pdfwrite', '-dCompatibilityLevel=1.7', '-dEmbedAllFonts=true'];

/** EPS and pre-AI9 Illustrator files are PostScript with a BoundingBox: the page is cropped to it. */
const CROP = new Set(['application/eps', 'application/illustrator']);

export function createGhostscriptConverter(): Converter {
  return {
    name: 'ghostscript',
    tools: [{ name: 'gs', package: 'ghostscript', versionArgs: ['--version'] }],
    edges: [
      { from: 'application/postscript', to: PDF, cost: 3 },
      { from: 'application/eps', to: PDF, cost: 3 },
      // Illustrator 9+ files are PDF with private data (rewritten without it); older ones are EPS.
      { from: 'application/illustrator', to: PDF, cost: 3 },
    ],
    options: [],
    timeoutMs: 60_000,
    async run(step) {
      if (step.to !== PDF) throw new InputRejectedError(`Ghostscript does not convert ${step.from} to ${step.to}.`);
      const crop = CROP.has(step.from) ? ['-dEPSCrop'] : [];
      const input = CROP.has(step.from) ? await asEps(step) : step.input;
      await step.exec('gs', [...BASE_ARGS, ...crop, `-sOutputFile=${step.output}`, '-c', '<< /NeverEmbed [] >> setdistillerparams', '-f', input]);
    },
  };
}

/**
 * gs applies -dEPSCrop only when the first line says EPSF. Illustrator 8 and older wrote "%!PS-Adobe-3.0"
 * with a BoundingBox, so such a file is copied into the job dir with an EPSF first line. PDF-based files
 * and real EPS are used as they are.
 */
export async function asEps(step: Step): Promise<string> {
  const handle = await open(step.input, 'r');
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0).finally(() => handle.close());
  const firstLine = buffer.subarray(0, bytesRead).toString('latin1').split(/\r\n|\r|\n/)[0]!;
  if (!firstLine.startsWith('%!') || /EPSF/.test(firstLine)) return step.input;
  const bytes = await readFile(step.input);
  const eps = join(step.workDir, 'input.eps');
  await writeFile(eps, Buffer.concat([Buffer.from('%!PS-Adobe-3.0 EPSF-3.0'), bytes.subarray(firstLine.length)]));
  return eps;
}
