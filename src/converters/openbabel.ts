// Open Babel (obabel): converts between molecule formats and depicts the first molecule as a 2D SVG or PNG.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputRejectedError } from '../errors.js';
import type { Converter, Edge, Step } from './converter.js';

/** Canonical MIME → obabel format id; always passed explicitly, never guessed from a name. */
export const OBABEL_FORMATS: Readonly<Record<string, string>> = {
  'chemical/x-mdl-molfile': 'mol',
  'chemical/x-mdl-sdfile': 'sdf',
  'chemical/x-pdb': 'pdb',
  'chemical/x-xyz': 'xyz',
  'chemical/x-cml': 'cml',
  'chemical/x-mol2': 'mol2',
  'chemical/x-daylight-smiles': 'smi',
};
const SVG = 'image/svg+xml';
const PNG = 'image/png';
const SMILES = 'chemical/x-daylight-smiles';
/** Side of obabel's PNG depiction: large enough that a sharp thumbnail of it stays crisp. */
const PNG_SIDE = 800;
/**
 * obabel's 2D layout of one connected molecule grows steeply: a 48-residue peptide (401 heavy atoms) took 3.5 s here,
 * 72 residues (601) over 60 s. Ligands and drugs are far smaller; a protein depiction is unreadable anyway.
 */
const DEFAULT_MAX_DEPICT_ATOMS = 400;
const DEFAULT_MAX_CONVERT_ATOMS = 20_000;

function edges(): Edge[] {
  const types = Object.keys(OBABEL_FORMATS);
  const between = types.flatMap((from) => types.filter((to) => to !== from).map((to) => ({ from, to, cost: 3 })));
  // Depictions: obabel draws PNG itself (cairo), cheaper than svg → png through sharp (3 + 2).
  return [...between, ...types.flatMap((from) => [{ from, to: SVG, cost: 3 }, { from, to: PNG, cost: 3 }])];
}

export function createOpenbabelConverter(): Converter {
  let limits = { depict: DEFAULT_MAX_DEPICT_ATOMS, convert: DEFAULT_MAX_CONVERT_ATOMS };
  return {
    name: 'openbabel',
    tools: [{ name: 'obabel', package: 'openbabel', versionArgs: ['-V'] }],
    edges: edges(),
    options: [],
    timeoutMs: 30_000,
    async start(runtime) {
      const setting = (key: string, fallback: number) => (typeof runtime.settings[key] === 'number' ? (runtime.settings[key] as number) : fallback);
      limits = { depict: setting('maxDepictAtoms', DEFAULT_MAX_DEPICT_ATOMS), convert: setting('maxAtoms', DEFAULT_MAX_CONVERT_ATOMS) };
    },
    async run(step) {
      const inFormat = OBABEL_FORMATS[step.from];
      if (!inFormat) throw new InputRejectedError(`Open Babel does not read ${step.from}.`);
      const depict = step.to === SVG || step.to === PNG;
      const input = await stage(step, inFormat, depict ? limits.depict : limits.convert);
      const output = join(step.workDir, `output.${depict ? (step.to === SVG ? 'svg' : 'png') : OBABEL_FORMATS[step.to]}`);
      const { stderr } = await step.exec('obabel', [`-i${inFormat}`, input, ...outputArgs(step), '-O', output]);
      if (/^\s*0 molecules converted/m.test(stderr)) {
        throw new InputRejectedError(`Open Babel found no molecule with atoms in this ${inFormat} file; it may be empty, corrupt or not ${inFormat}.`);
      }
      if (step.to === SVG) await writeFile(step.output, checkedSvg(await readFile(output, 'utf8')));
      else await writeFile(step.output, await readFile(output));
    },
  };
}

/** Copies the source into the job dir after checking its size in atoms (obabel's cost grows with it). */
async function stage(step: Step, format: string, maxAtoms: number): Promise<string> {
  // Bytes are copied as they are (latin1 only for counting): a non-UTF-8 title must not be rewritten.
  const bytes = await readFile(step.input);
  const atoms = atomCount(bytes.toString('latin1'), format);
  if (atoms > maxAtoms) {
    const what = step.to === SVG || step.to === PNG ? 'depict' : 'convert';
    throw new InputRejectedError(`This molecule has about ${atoms} atoms; omnic will ${what} at most ${maxAtoms}. Extract the part you need (a ligand, a chain) first.`);
  }
  const staged = join(step.workDir, `input.${format}`);
  await writeFile(staged, bytes);
  return staged;
}

export function outputArgs(step: Pick<Step, 'from' | 'to'>): string[] {
  // Molecules without atoms (a PDB of only remarks) are dropped, so obabel reports 0 converted instead of drawing nothing.
  const common = ['--filter', 'atoms>0'];
  if (step.to === SVG || step.to === PNG) {
    // First molecule only; the title is user text that obabel writes into the SVG unescaped, so it is blanked.
    // Explicit hydrogens (PDB, XYZ) are folded into their heavy atoms' labels (NH2, OH), as chemists draw them.
    const size = step.to === PNG ? ['-xp', String(PNG_SIDE)] : [];
    return [`-o${step.to === SVG ? 'svg' : 'png'}`, '-l', '1', '--title', '', '-xd', '-d', ...size, ...common];
  }
  const outFormat = OBABEL_FORMATS[step.to]!;
  // SMILES has no coordinates: formats that carry them get a 3D embedding rather than every atom at the origin.
  const coords = step.from === SMILES && step.to !== SMILES ? ['--gen3d'] : [];
  return [`-o${outFormat}`, ...coords, ...common];
}

const SVG_ELEMENTS = new Set(['svg', 'title', 'rect', 'g', 'line', 'text', 'tspan', 'polygon', 'polyline', 'circle', 'ellipse', 'path', 'defs', 'radialgradient', 'lineargradient', 'stop', 'desc', 'metadata']);

/**
 * obabel copies atom labels and aliases from the input into the SVG without escaping them; an SVG served from
 * omnic's origin must carry no script, so anything outside the drawing vocabulary is refused.
 */
export function checkedSvg(svg: string): string {
  const tags = [...svg.matchAll(/<\s*([a-zA-Z][\w:.-]*)/g)].map((m) => m[1]!.toLowerCase());
  const foreign = tags.find((tag) => !SVG_ELEMENTS.has(tag));
  if (foreign !== undefined || /\son[a-z]+\s*=/i.test(svg) || /javascript:/i.test(svg)) {
    throw new InputRejectedError('The depiction of this molecule contained markup other than drawing (from labels in the file); omnic refuses it.');
  }
  if (!tags.some((tag) => tag === 'line' || tag === 'text' || tag === 'polygon' || tag === 'path')) {
    throw new InputRejectedError('Open Babel drew nothing for this molecule; the file may hold no atoms.');
  }
  return svg;
}

/** About how many atoms the file holds (the first molecule for one-molecule formats), read without parsing it fully. */
export function atomCount(text: string, format: string): number {
  const lines = text.split(/\r?\n/);
  switch (format) {
    case 'pdb':
      return lines.filter((line) => /^(ATOM  |HETATM)/.test(line)).length;
    case 'xyz':
      return lines.filter((line) => /^\s*[A-Za-z]{1,3}\s+[-+\d.]/.test(line)).length;
    case 'mol':
    case 'sdf': {
      // V2000 counts line (4th line, first three columns), or the V3000 COUNTS line.
      const v3000 = /M {2}V30 COUNTS (\d+)/.exec(text);
      return Number(v3000?.[1] ?? lines[3]?.slice(0, 3).trim() ?? 0) || 0;
    }
    case 'mol2': {
      const header = lines.findIndex((line) => line.trim() === '@<TRIPOS>MOLECULE');
      return Number(lines[header + 2]?.trim().split(/\s+/)[0] ?? 0) || 0;
    }
    case 'cml':
      return (text.match(/<(\w+:)?atom[\s/>]/g) ?? []).length;
    default:
      // SMILES: atoms are element symbols (upper case, or aromatic lower case) and bracket atoms.
      return (lines.find((line) => line.trim())?.split(/\s+/)[0]?.match(/\[[^\]]*\]|Cl|Br|[BCNOPSFI]|[bcnops]/g) ?? []).length;
  }
}
