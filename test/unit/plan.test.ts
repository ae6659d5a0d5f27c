// createPlanner on fake converters: path names, chained step keys that follow declared options only, resize on the last step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKey } from '../../src/cache.js';
import type { Converter, Edge, ResolvedTool } from '../../src/converters/converter.js';
import { NoConversionPathError, UnsupportedFormatError } from '../../src/errors.js';
import { buildGraph } from '../../src/graph.js';
import { createPlanner } from '../../src/plan.js';
import { parseTypestring } from '../../src/typestring.js';
import type { OptionName } from '../../src/typestring.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const PDF = 'application/pdf';
const PNG = 'image/png';
const WEBP = 'image/webp';
const JPEG = 'image/jpeg';
const TXT = 'text/plain';

function fake(name: string, edges: [string, string, number][], options: OptionName[], extra: Partial<Converter> = {}): Converter {
  return { name, tools: [], edges: edges.map(([from, to, cost]): Edge => ({ from, to, cost })), options, async run() {}, ...extra };
}

/** A kitchen in miniature: office docx→pdf (a tool), poppler pdf→png|txt (page), sharp between images (q, fit, bg, dpr). */
function converters(): Converter[] {
  return [
    fake('office', [[DOCX, PDF, 5]], [], { tools: [{ name: 'soffice', package: 'libreoffice-writer-nogui', versionArgs: ['--version'] }] }),
    fake('poppler', [[PDF, PNG, 3], [PDF, TXT, 1]], ['page']),
    fake('sharp', [[PNG, PNG, 1], [PNG, WEBP, 2], [PNG, JPEG, 2], [JPEG, JPEG, 1], [JPEG, PNG, 2], [JPEG, WEBP, 2]], ['bg', 'dpr', 'fit', 'q'], { libraryVersion: 'sharp 0.34' }),
  ];
}

function planner(options: { officeVersion?: string; inputs?: string[]; outputs?: string[] } = {}) {
  const graph = buildGraph(converters(), { inputs: options.inputs ?? ['*/*'], outputs: options.outputs ?? ['*/*'] });
  const tools: Record<string, ResolvedTool> = { soffice: { name: 'soffice', path: '/usr/bin/soffice', version: `LibreOffice ${options.officeVersion ?? '7.4'}`, package: 'libreoffice-writer-nogui' } };
  return createPlanner(graph, tools, 'test', cacheKey);
}
const SOURCE = cacheKey('source', 'q3-report.docx');
const plan = (typestring: string, p = planner(), from = DOCX) => p.plan(from, SOURCE, parseTypestring(typestring));

describe('plan names', () => {
  it('a thumbnail of a docx goes docx>pdf>png>thumb.webp', () => {
    const result = plan('thumb.webp:300x200');
    assert.deepEqual(result.names, ['docx', 'pdf', 'png', 'thumb.webp']);
    assert.deepEqual(result.steps.map((s) => s.edge.converter.name), ['office', 'poppler', 'sharp']);
  });

  it('an unsized target takes the cheapest path and names the plain extension', () => {
    assert.deepEqual(plan('pdf').names, ['docx', 'pdf']);
    assert.deepEqual(plan('txt').names, ['docx', 'pdf', 'txt']);
    assert.deepEqual(plan('webp').names, ['docx', 'pdf', 'png', 'webp']);
  });

  it('a sized png from a png is one identity resize step by sharp; an unsized one needs no step', () => {
    const sized = plan('png:100x100', planner(), PNG);
    assert.deepEqual(sized.names, ['png', 'png']);
    assert.equal(sized.steps[0]!.edge.converter.name, 'sharp');
    assert.deepEqual(plan('png', planner(), PNG).steps, []);
  });

  it('a same-type target with options that change the bytes (q, bg) is re-encoded, not answered with the source', () => {
    // jpg:q=30 of a JPEG asks for a smaller JPEG; an empty plan would serve the original bytes.
    const recompressed = plan('jpg:q=30', planner(), JPEG);
    assert.deepEqual(recompressed.steps.map((s) => s.edge.converter.name), ['sharp']);
    assert.deepEqual(recompressed.steps[0]!.options, { q: 30 });
    assert.equal(plan('png:bg=ffffff', planner(), PNG).steps.length, 1);
  });
});

describe('step keys', () => {
  it('are chained from the source key and differ per step', () => {
    const steps = plan('thumb.webp:300x200').steps;
    const keys = steps.map((s) => s.key);
    assert.equal(new Set(keys).size, 3);
    for (const key of keys) assert.match(key, /^[0-9a-f]{64}$/);
    const otherSource = planner().plan(DOCX, cacheKey('source', 'another.docx'), parseTypestring('thumb.webp:300x200'));
    assert.notEqual(otherSource.steps[0]!.key, keys[0]);
  });

  it('docx→pdf is shared by every page, size, quality and format; pdf→png changes only with page', () => {
    const a = plan('thumb.webp:300x200');
    const b = plan('thumb.jpg:64x64,q=30,page=2');
    const c = plan('png:page=2');
    assert.equal(b.steps[0]!.key, a.steps[0]!.key, 'docx→pdf must not depend on page, size or q');
    assert.equal(c.steps[0]!.key, a.steps[0]!.key);
    assert.notEqual(b.steps[1]!.key, a.steps[1]!.key, 'pdf→png must depend on page');
    assert.equal(b.steps[1]!.key, c.steps[1]!.key, 'pdf→png must not depend on size or q');
    assert.deepEqual(b.steps[1]!.options, { page: 2 });
    assert.deepEqual(b.steps[0]!.options, {});
    assert.deepEqual(b.steps[2]!.options, { q: 30 });
  });

  it('the last step changes with the options its converter declares', () => {
    const base = plan('thumb.webp:300x200').steps[2]!.key;
    assert.notEqual(plan('thumb.webp:300x200,q=40').steps[2]!.key, base);
    assert.notEqual(plan('thumb.webp:300x200,bg=000').steps[2]!.key, base);
    assert.notEqual(plan('thumb.webp:300x200,fit=contain').steps[2]!.key, base);
    assert.notEqual(plan('thumb.webp:300x200,dpr=2').steps[2]!.key, base);
    assert.notEqual(plan('thumb.webp:300x100').steps[2]!.key, base);
    // t is declared by no converter here: it changes nothing.
    assert.deepEqual(plan('thumb.webp:300x200,t=5').steps.map((s) => s.key), plan('thumb.webp:300x200').steps.map((s) => s.key));
  });

  it('change with a tool version, from that step on', () => {
    const old = plan('thumb.webp:300x200', planner({ officeVersion: '7.4' }));
    const upgraded = plan('thumb.webp:300x200', planner({ officeVersion: '24.2' }));
    assert.notEqual(upgraded.steps[0]!.key, old.steps[0]!.key);
    // Chained keys: a new pdf means new pngs and thumbnails too.
    assert.notEqual(upgraded.steps[2]!.key, old.steps[2]!.key);
  });

  it('change with a library version', () => {
    const graphFor = (version: string) =>
      buildGraph([fake('sharp', [[PNG, WEBP, 2]], ['q'], { libraryVersion: version })], { inputs: ['*/*'], outputs: ['*/*'] });
    const key = (version: string) => createPlanner(graphFor(version), {}, 'test', cacheKey).plan(PNG, SOURCE, parseTypestring('webp')).steps[0]!.key;
    assert.notEqual(key('sharp 0.34.5'), key('sharp 0.35.0'));
    assert.equal(key('sharp 0.34.5'), key('sharp 0.34.5'));
  });
});

describe('resize', () => {
  it('only the last step of a sized target resizes, with the output box and the fit default', () => {
    const thumb = plan('thumb.webp:300x200');
    assert.equal(thumb.steps[0]!.resize, undefined);
    assert.equal(thumb.steps[1]!.resize, undefined);
    // A docx is pages: its crops keep the top; a photo's keep the centre.
    assert.deepEqual(thumb.steps[2]!.resize, { width: 300, height: 200, fit: 'cover', enlarge: true, anchor: 'top' });
    assert.deepEqual(plan('webp:300x,dpr=2').steps.at(-1)!.resize, { width: 600, height: undefined, fit: 'inside', enlarge: false, anchor: 'top' });
    assert.deepEqual(plan('thumb.jpg:50x50,fit=contain').steps.at(-1)!.resize, { width: 50, height: 50, fit: 'contain', enlarge: true, anchor: 'top' });
    assert.equal(plan('thumb.webp:300x200', planner(), JPEG).steps.at(-1)!.resize?.anchor, 'centre');
  });

  it('an unsized target never resizes', () => {
    for (const step of plan('webp:q=50').steps) assert.equal(step.resize, undefined);
  });
});

describe('refusals', () => {
  it('an input the profile does not accept is 415 naming the type and profile', () => {
    assert.throws(() => plan('pdf', planner({ inputs: ['image/*'] })), (err: unknown) => err instanceof UnsupportedFormatError && err.status === 415 && /docx.*"test" profile/.test(err.message));
  });

  it('an output the profile does not allow, or no path, is 422 no_conversion_path', () => {
    assert.throws(() => plan('pdf', planner({ outputs: ['image/*'] })), (err: unknown) => err instanceof NoConversionPathError && err.status === 422 && /docx to pdf/.test(err.message));
    assert.throws(() => plan('docx', planner(), PDF), NoConversionPathError);
    // A sized txt needs a sharp step into txt, which does not exist.
    assert.throws(() => plan('txt:100x100'), NoConversionPathError);
  });
});
