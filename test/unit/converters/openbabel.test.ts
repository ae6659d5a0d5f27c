// The openbabel converter with the real obabel: molecule formats between each other, 2D depictions, and hostile input.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { atomCount, checkedSvg, createOpenbabelConverter, outputArgs } from '../../../src/converters/openbabel.js';
import { InputRejectedError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/specimen.js';

const molecule = (name: string) => zooPath(`files/molecule/${name}`);
const SVG = 'image/svg+xml';
const MOL = 'chemical/x-mdl-molfile';
const SDF = 'chemical/x-mdl-sdfile';
const PDB = 'chemical/x-pdb';
const SMI = 'chemical/x-daylight-smiles';

/** Counts the drawing elements of an SVG and checks that sharp (librsvg) can render it to a non-blank image. */
async function assertDepiction(path: string, labels: RegExp[]): Promise<string> {
  const svg = await readFile(path, 'utf8');
  assert.match(svg, /<svg[\s>]/);
  assert.ok((svg.match(/<line\b/g) ?? []).length >= 1, 'the depiction has no bonds');
  const texts = [...svg.matchAll(/>([^<>]+)<\/text>/g)].map((m) => m[1]!.trim());
  for (const label of labels) assert.ok(texts.some((text) => label.test(text)), `the depiction lacks a label ${label} (has ${texts.join(' ')})`);
  await assertImage(await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer(), { format: 'png', minSpread: 5 });
  return svg;
}

test('atomCount reads the size of each format without parsing it', async () => {
  assert.equal(atomCount(await readFile(molecule('ethanol.mol'), 'utf8'), 'mol'), 3);
  assert.equal(atomCount(await readFile(molecule('water.xyz'), 'utf8'), 'xyz'), 3);
  assert.equal(atomCount(await readFile(molecule('acetic-acid.cml'), 'utf8'), 'cml'), 4);
  assert.equal(atomCount(await readFile(molecule('ethanol.mol2'), 'utf8'), 'mol2'), 9);
  assert.ok(atomCount(await readFile(molecule('gly-ala-gly.pdb'), 'utf8'), 'pdb') >= 20);
  assert.equal(atomCount('CC(=O)Oc1ccccc1C(=O)O aspirin\n', 'smi'), 13);
  assert.equal(atomCount('[Na+].[Cl-]\n', 'smi'), 2);
});

test('depiction arguments take the first molecule, blank its title and state both formats', () => {
  const args = outputArgs({ from: SDF, to: SVG });
  assert.deepEqual(args.slice(0, 5), ['-osvg', '-l', '1', '--title', '']);
  assert.ok(outputArgs({ from: SMI, to: PDB }).includes('--gen3d'), 'SMILES → PDB needs 3D coordinates');
  assert.ok(!outputArgs({ from: MOL, to: PDB }).includes('--gen3d'));
});

test('checkedSvg refuses markup that is not drawing', () => {
  const ok = '<?xml version="1.0"?><svg><title> - x</title><line x1="0"/><text>O</text></svg>';
  assert.equal(checkedSvg(ok), ok);
  assert.throws(() => checkedSvg('<svg><text>a</text><script>alert(1)</script></svg>'), InputRejectedError);
  assert.throws(() => checkedSvg('<svg><line onload="x()"/></svg>'), InputRejectedError);
  assert.throws(() => checkedSvg('<svg><rect/></svg>'), InputRejectedError, 'nothing drawn');
});

test('obabel depicts mol, sdf, pdb, xyz, cml, mol2 and smi as SVG with atom labels', async (t) => {
  const babel = await startConverter(t, createOpenbabelConverter());
  if (!babel) return;
  const hydroxyl = /^(OH|HO)$/;
  await assertDepiction(await babel.convert(molecule('ethanol.mol'), MOL, SVG), [hydroxyl]);
  await assertDepiction(await babel.convert(molecule('ethanol.mol2'), 'chemical/x-mol2', SVG), [hydroxyl]);
  await assertDepiction(await babel.convert(molecule('acetic-acid.cml'), 'chemical/x-cml', SVG), [hydroxyl, /^O$/]);
  await assertDepiction(await babel.convert(molecule('aspirin.smi'), SMI, SVG), [hydroxyl, /^O$/]);
  // Explicit hydrogens are folded into their atoms' labels: NH2 and NH, not a fringe of H atoms.
  const peptide = await assertDepiction(await babel.convert(molecule('gly-ala-gly.pdb'), PDB, SVG), [/^NH$/, hydroxyl]);
  // (An amide N–H is drawn as N with an H beside it; the 17 hydrogens of the PDB file are not drawn one by one.)
  assert.ok((peptide.match(/>H<\/text>/g) ?? []).length <= 2, 'explicit hydrogens drawn as atoms');
  // Water has no bond to draw: its depiction is one label, OH2.
  const water = await readFile(await babel.convert(molecule('water.xyz'), 'chemical/x-xyz', SVG), 'utf8');
  assert.match(water, />OH<\/text>/);
  // Two records (caffeine, theobromine): only the first is drawn, so there is one ring system of 14 atoms, not two.
  const svg = await assertDepiction(await babel.convert(molecule('caffeine.sdf'), SDF, SVG), [/^N$/, /^O$/]);
  assert.equal((svg.match(/<svg\b/g) ?? []).length, 2, 'one molecule panel inside the root svg');
  await babel.stop();
});

test('obabel draws PNG itself at 800×800 with more than one colour', async (t) => {
  const babel = await startConverter(t, createOpenbabelConverter());
  if (!babel) return;
  const png = await babel.convert(molecule('caffeine.sdf'), SDF, 'image/png');
  await assertImage(png, { format: 'png', width: 800, height: 800, minSpread: 5 });
  // Nitrogen is blue and oxygen red in Open Babel's element colours: the picture is not just black on white.
  const { channels } = await sharp(png).stats();
  assert.ok(channels[2]!.mean !== channels[0]!.mean, 'expected coloured atom labels');
  await babel.stop();
});

test('obabel converts between formats and keeps the atoms', async (t) => {
  const babel = await startConverter(t, createOpenbabelConverter());
  if (!babel) return;
  const sdf = await readFile(await babel.convert(molecule('ethanol.mol'), MOL, SDF), 'utf8');
  assert.match(sdf, /\$\$\$\$/, 'an SD file ends each record with $$$$');
  assert.equal(atomCount(sdf, 'sdf'), 3);
  const pdb = await readFile(await babel.convert(molecule('benzene.smi'), SMI, PDB), 'utf8');
  // Six carbons and, with --gen3d, the six hydrogens SMILES leaves implicit.
  assert.equal(pdb.split('\n').filter((l) => /^(ATOM|HETATM).{70}\s*C\s*$/.test(l)).length, 6);
  assert.equal(atomCount(pdb, 'pdb'), 12);
  // --gen3d: a ring has real coordinates, not six atoms at the origin.
  assert.ok(!/ 0\.000 {2}0\.000 {2}0\.000/.test(pdb.split('\n').find((l) => l.startsWith('HETATM') || l.startsWith('ATOM')) ?? ''));
  const xyz = await readFile(await babel.convert(molecule('gly-ala-gly.pdb'), PDB, 'chemical/x-xyz'), 'utf8');
  assert.equal(Number(xyz.split('\n')[0]), atomCount(await readFile(molecule('gly-ala-gly.pdb'), 'utf8'), 'pdb'));
  const cml = await readFile(await babel.convert(molecule('water.xyz'), 'chemical/x-xyz', 'chemical/x-cml'), 'utf8');
  assert.match(cml, /elementType="O"/);
  const smi = await readFile(await babel.convert(molecule('acetic-acid.cml'), 'chemical/x-cml', SMI), 'utf8');
  assert.match(smi, /^CC\(=O\)O|^OC\(=O\)C/);
  await babel.stop();
});

test('obabel rejects a nonsense PDB and a protein too large to depict with 422, fast', async (t) => {
  const babel = await startConverter(t, createOpenbabelConverter());
  if (!babel) return;
  await assert.rejects(babel.convert(molecule('nonsense.pdb'), PDB, SVG), (err) => err instanceof InputRejectedError);
  await assert.rejects(babel.convert(molecule('nonsense.pdb'), PDB, SDF), (err) => err instanceof InputRejectedError);
  const dir = await mkdtemp(join(tmpdir(), 'omnic-babel-'));
  const big = join(dir, 'big.pdb');
  const atoms = Array.from({ length: 3000 }, (_, i) => `HETATM${String(i + 1).padStart(5)}  C   UNK A   1    ${[(i % 95) * 1.26, (i % 2) * 0.89 + Math.floor(i / 95) * 2.5, 0].map((x) => x.toFixed(3).padStart(8)).join('')}  1.00  0.00           C`);
  await writeFile(big, atoms.join('\n') + '\nEND\n');
  const started = Date.now();
  await assert.rejects(babel.convert(big, PDB, SVG), (err) => err instanceof InputRejectedError && /3000 atoms/.test(err.message));
  assert.ok(Date.now() - started < 2000, 'refused before obabel spends minutes on the layout');
  await babel.stop();
});
