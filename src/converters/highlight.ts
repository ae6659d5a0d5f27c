// highlight: source code to a syntax-highlighted standalone HTML page, and to an SVG picture of its first lines (for thumbnails).
import { open, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { looksLikeText } from '../detect.js';
import { InputRejectedError } from '../errors.js';
import { canonicalExt } from '../formats.js';
import type { Converter, Edge, Step } from './converter.js';
import { sanitizeHtml, standaloneHtml } from './sanitize-html.js';

/** highlight's --syntax for each code type: always from the declared type, never guessed from the content. */
export const SYNTAX: Readonly<Record<string, string>> = {
  'text/javascript': 'js',
  'text/x-minified-javascript': 'js',
  'text/typescript': 'ts',
  'text/jsx': 'jsx',
  // highlight has no TSX grammar; TypeScript's covers everything but the JSX tags.
  'text/tsx': 'ts',
  'text/x-python': 'py',
  'text/x-c': 'c',
  'text/x-c++': 'cpp',
  'text/x-go': 'go',
  'text/x-rust': 'rs',
  'text/x-java': 'java',
  'text/x-ruby': 'rb',
  'text/x-shellscript': 'sh',
  'text/css': 'css',
  'text/x-sql': 'sql',
  'text/yaml': 'yaml',
};

const THEME = 'edit-kwrite';
/** The SVG is a thumbnail source: the top of the file, like an editor window, not a poster of 10 000 lines. */
const SVG_LINES = 60;
const SVG_COLUMNS = 120;
const SVG_FONT_PX = 12;
/** highlight's SVG writer spaces lines at twice the font size; we tighten that to an editor's 1.5. DejaVu Sans Mono is 0.602 em wide. */
const SVG_LINE_PX = SVG_FONT_PX * 1.5;
const SVG_SPACING = SVG_LINE_PX / (SVG_FONT_PX * 2);
const SVG_CHAR_PX = SVG_FONT_PX * 0.602;

function edges(): Edge[] {
  return Object.keys(SYNTAX).flatMap((from) => [
    { from, to: 'text/html', cost: 3 },
    { from, to: 'image/svg+xml', cost: 3 },
  ]);
}

export function createHighlightConverter(): Converter {
  return {
    name: 'highlight',
    tools: [{ name: 'highlight', package: 'highlight', versionArgs: ['--version'] }],
    edges: edges(),
    options: [],
    timeoutMs: 30_000,
    async run(step) {
      const syntax = SYNTAX[step.from];
      if (!syntax) throw new InputRejectedError(`highlight has no syntax for ${step.from}.`);
      await assertText(step);
      if (step.to === 'image/svg+xml') await toSvg(step, syntax);
      else await toHtml(step, syntax);
    },
  };
}

/** highlight turns binary input into an empty page without complaint, so refuse it first. */
async function assertText(step: Step): Promise<void> {
  const handle = await open(step.input, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (!looksLikeText(head.subarray(0, bytesRead))) {
      throw new InputRejectedError(`This ${canonicalExt(step.from)} source is not text, so it cannot be highlighted.`);
    }
  } finally {
    await handle.close();
  }
}

const COMMON = ['--replace-tabs=4', '--encoding=utf-8', `--style=${THEME}`];

async function toHtml(step: Step, syntax: string): Promise<void> {
  const fragment = join(step.workDir, 'fragment.html');
  await step.exec('highlight', [
    `--syntax=${syntax}`, '--out-format=html', '--inline-css', '--fragment', '--enclose-pre', '--line-numbers',
    ...COMMON, `--input=${resolve(step.input)}`, `--output=${fragment}`,
  ]);
  const body = sanitizeHtml(await readFile(fragment, 'utf8'));
  await writeFile(step.output, standaloneHtml({ title: `${canonicalExt(step.from)} source`, body, css: '\n  pre { line-height: 1.4; }' }));
}

async function toSvg(step: Step, syntax: string): Promise<void> {
  const { text, lines, columns } = headOf(await readFile(step.input, 'utf8'));
  // A file named by us, so the <desc> highlight writes never carries a cache path.
  const source = join(step.workDir, 'source.txt');
  await writeFile(source, text);
  const svg = join(step.workDir, 'code.svg');
  await step.exec('highlight', [
    `--syntax=${syntax}`, '--out-format=svg', '--include-style', ...COMMON,
    '--font=DejaVu Sans Mono', `--font-size=${SVG_FONT_PX}`,
    `--width=${Math.ceil(30 + columns * SVG_CHAR_PX)}`, `--height=${(lines + 0.5) * SVG_LINE_PX}`,
    `--input=${source}`, `--output=${svg}`,
  ]);
  await writeFile(step.output, tightenLines(inertSvg(await readFile(svg, 'utf8'))));
}

/** The first lines, each cut to a readable width, and the box they need. */
export function headOf(code: string): { text: string; lines: number; columns: number } {
  const all = code.replace(/^\uFEFF/, '').replace(/\t/g, '    ').split(/\r?\n/);
  const kept = all.slice(0, SVG_LINES).map((line) => [...line].slice(0, SVG_COLUMNS).join(''));
  while (kept.length > 1 && kept[kept.length - 1] === '') kept.pop();
  const columns = Math.max(40, ...kept.map((line) => [...line].length));
  return { text: kept.join('\n') + '\n', lines: kept.length, columns };
}

/** Drops what would make a renderer reach out: the external stylesheet and DTD references highlight writes. */
export function inertSvg(svg: string): string {
  return svg
    .replace(/<\?xml-stylesheet[^>]*\?>\s*/g, '')
    .replace(/<!DOCTYPE[^>]*>\s*/g, '')
    .replace(/<desc>[^<]*<\/desc>\s*/g, '');
}

/** Tightens highlight's double line spacing and fits the picture's height to the last line it actually wrote. */
export function tightenLines(svg: string): string {
  let last = 0;
  const out = svg.replace(/<text x="([\d.]+)" y="([\d.]+)">/g, (_, x: string, y: string) => {
    last = Math.round(Number(y) * SVG_SPACING);
    return `<text x="${x}" y="${last}">`;
  });
  if (!last) return svg;
  return out.replace(/(<svg\b[^>]*\sheight=")[^"]*"/, `$1${last + SVG_FONT_PX}"`);
}
