// buildGraph and cheapestPath on small fake converters: cost sums, ties to fewer steps, lastBy, profile globs, reachability.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Converter, Edge } from '../../src/converters/converter.js';
import { acceptsInput, allowsOutput, buildGraph, cheapestPath, inputTypes, reachableFrom, type GraphEdge } from '../../src/graph.js';

function fake(name: string, edges: Edge[]): Converter {
  return { name, tools: [], edges, options: [], async run() {} };
}
const e = (from: string, to: string, cost: number): Edge => ({ from, to, cost });
const ALL = { inputs: ['*/*'], outputs: ['*/*'] };
const route = (path: GraphEdge[] | undefined) => path?.map((edge) => `${edge.converter.name}:${edge.from}>${edge.to}`);

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const PDF = 'application/pdf';
const PNG = 'image/png';
const WEBP = 'image/webp';
const SVG = 'image/svg+xml';

describe('cheapestPath', () => {
  it('takes the cheapest path by summed cost, not the shortest', () => {
    const graph = buildGraph([fake('office', [e(DOCX, PDF, 5), e(DOCX, PNG, 20)]), fake('pdf', [e(PDF, PNG, 3)])], ALL);
    assert.deepEqual(route(cheapestPath(graph, { from: DOCX, to: PNG })), ['office:' + DOCX + '>' + PDF, 'pdf:' + PDF + '>' + PNG]);
  });

  it('a direct edge wins when it is cheaper', () => {
    const graph = buildGraph([fake('office', [e(DOCX, PDF, 5), e(DOCX, PNG, 7)]), fake('pdf', [e(PDF, PNG, 3)])], ALL);
    assert.deepEqual(route(cheapestPath(graph, { from: DOCX, to: PNG })), ['office:' + DOCX + '>' + PNG]);
  });

  it('on equal cost, the path with fewer steps wins, in either declaration order', () => {
    const long = fake('long', [e('a/a', 'b/b', 1), e('b/b', 'c/c', 1), e('c/c', 'd/d', 1)]);
    const short = fake('short', [e('a/a', 'd/d', 3)]);
    assert.deepEqual(route(cheapestPath(buildGraph([long, short], ALL), { from: 'a/a', to: 'd/d' })), ['short:a/a>d/d']);
    assert.deepEqual(route(cheapestPath(buildGraph([short, long], ALL), { from: 'a/a', to: 'd/d' })), ['short:a/a>d/d']);
  });

  it('on equal cost, fewer steps wins even when the longer path reaches the target first', () => {
    // Dijkstra settles b and c (cost 1, 2) before x (cost 3), so the 3-step path is found first.
    const long = fake('long', [e('a/a', 'b/b', 1), e('b/b', 'c/c', 1), e('c/c', 'd/d', 2)]);
    const short = fake('short', [e('a/a', 'x/x', 3), e('x/x', 'd/d', 1)]);
    assert.deepEqual(route(cheapestPath(buildGraph([long, short], ALL), { from: 'a/a', to: 'd/d' })), ['short:a/a>x/x', 'short:x/x>d/d']);
  });

  it('lastBy forces the final edge onto that converter, even when dearer', () => {
    const graph = buildGraph([fake('poppler', [e(PDF, PNG, 1), e(PDF, WEBP, 1)]), fake('sharp', [e(PNG, WEBP, 2), e(PNG, PNG, 1)])], ALL);
    assert.deepEqual(route(cheapestPath(graph, { from: PDF, to: WEBP })), ['poppler:' + PDF + '>' + WEBP]);
    assert.deepEqual(route(cheapestPath(graph, { from: PDF, to: WEBP, lastBy: 'sharp' })), ['poppler:' + PDF + '>' + PNG, 'sharp:' + PNG + '>' + WEBP]);
    // A sized png from png is an identity resize step by sharp.
    assert.deepEqual(route(cheapestPath(graph, { from: PNG, to: PNG, lastBy: 'sharp' })), ['sharp:' + PNG + '>' + PNG]);
    assert.equal(cheapestPath(graph, { from: PDF, to: PNG, lastBy: 'nobody' }), undefined);
  });

  it('from = to with no lastBy is an empty path; no path at all is undefined', () => {
    const graph = buildGraph([fake('x', [e('a/a', 'b/b', 1)])], ALL);
    assert.deepEqual(cheapestPath(graph, { from: 'a/a', to: 'a/a' }), []);
    assert.equal(cheapestPath(graph, { from: 'b/b', to: 'a/a' }), undefined);
    assert.equal(cheapestPath(graph, { from: 'z/z', to: 'b/b' }), undefined);
    assert.equal(cheapestPath(buildGraph([], ALL), { from: 'a/a', to: 'b/b' }), undefined);
  });

  it('survives cycles and picks through them correctly', () => {
    const graph = buildGraph([fake('x', [e('a/a', 'b/b', 1), e('b/b', 'a/a', 1), e('b/b', 'c/c', 4), e('a/a', 'c/c', 10)])], ALL);
    assert.deepEqual(route(cheapestPath(graph, { from: 'a/a', to: 'c/c' })), ['x:a/a>b/b', 'x:b/b>c/c']);
  });

  it('refuses a converter that declares the same edge twice', () => {
    assert.throws(() => buildGraph([fake('dup', [e(PNG, WEBP, 1), e(PNG, WEBP, 2)])], ALL), /dup declares image\/png → image\/webp twice/);
  });
});

describe('profile globs', () => {
  const converters = [fake('x', [e(PNG, WEBP, 1), e(PDF, PNG, 1), e(SVG, PNG, 1)])];

  it('acceptsInput and allowsOutput honour exact types and wildcards', () => {
    const graph = buildGraph(converters, { inputs: ['image/*', PDF], outputs: ['image/webp'] });
    assert.ok(acceptsInput(graph, PNG));
    assert.ok(acceptsInput(graph, SVG));
    assert.ok(acceptsInput(graph, PDF));
    assert.ok(!acceptsInput(graph, DOCX));
    assert.ok(allowsOutput(graph, WEBP));
    assert.ok(!allowsOutput(graph, PNG));
    const any = buildGraph(converters, ALL);
    assert.ok(acceptsInput(any, 'video/mp4') && allowsOutput(any, 'text/html'));
    const none = buildGraph(converters, { inputs: [], outputs: [] });
    assert.ok(!acceptsInput(none, PNG) && !allowsOutput(none, PNG));
  });

  it('inputTypes lists only accepted types some converter reads', () => {
    const graph = buildGraph(converters, { inputs: ['image/*'], outputs: ['*/*'] });
    assert.deepEqual(inputTypes(graph), [SVG, PNG].sort());
  });
});

describe('reachableFrom', () => {
  it('lists every type reachable in any number of steps, filtered by the allowed outputs', () => {
    const converters = [fake('a', [e(DOCX, PDF, 1)]), fake('b', [e(PDF, PNG, 1), e(PDF, 'text/plain', 1)]), fake('c', [e(PNG, WEBP, 1)])];
    assert.deepEqual(reachableFrom(buildGraph(converters, ALL), DOCX), [PDF, WEBP, PNG, 'text/plain'].sort());
    assert.deepEqual(reachableFrom(buildGraph(converters, { inputs: ['*/*'], outputs: ['image/*'] }), DOCX), [PNG, WEBP].sort());
    assert.deepEqual(reachableFrom(buildGraph(converters, ALL), WEBP), []);
  });

  it('includes the source type only when a converter maps it onto itself', () => {
    const graph = buildGraph([fake('sharp', [e(PNG, PNG, 1), e(PNG, WEBP, 2)]), fake('x', [e(PDF, PNG, 1)])], ALL);
    assert.deepEqual(reachableFrom(graph, PNG), [PNG, WEBP]);
    assert.ok(!reachableFrom(graph, PDF).includes(PDF));
  });
});
