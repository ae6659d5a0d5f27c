// Ghostscript: PostScript, EPS and Illustrator files → PDF (pdfwrite), always under -dSAFER.
import { InputRejectedError } from '../errors.js';
import type { Converter } from './converter.js';

const PDF = 'application/pdf';

/**
 * -dSAFER stops a document from reading or writing files other than its input and output, or running
 * commands; -dNOPAUSE -dBATCH -dNOINTERACT keep gs from ever waiting on a terminal (there is no stdin).
 * Fonts are all embedded (NeverEmbed emptied) so the PDF renders the same wherever it goes next.
 */
const BASE_ARGS = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-dNOINTERACT', '-sDEVICE=pdfwrite', '-dCompatibilityLevel=1.7', '-dEmbedAllFonts=true'];

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
      await step.exec('gs', [...BASE_ARGS, ...crop, `-sOutputFile=${step.output}`, '-c', '<< /NeverEmbed [] >> setdistillerparams', '-f', step.input]);
    },
  };
}
