// The conversion graph: built once from the profile's converters; cheapest path, ties to fewer steps.
import type { Converter, Edge } from './converters/converter.js';
import { mimeMatches } from './profiles.js';

export interface GraphEdge extends Edge {
  converter: Converter;
}

export interface Graph {
  /** Edges leaving each MIME type. */
  readonly out: ReadonlyMap<string, readonly GraphEdge[]>;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface PathQuery {
  from: string;
  to: string;
  /** The last edge must be done by this converter (the sized/thumbnail step is sharp's). */
  lastBy?: string;
}

export function buildGraph(converters: readonly Converter[], policy: { inputs: readonly string[]; outputs: readonly string[] }): Graph {
  const out = new Map<string, GraphEdge[]>();
  const seen = new Set<string>();
  for (const converter of converters) {
    for (const edge of converter.edges) {
      const id = `${converter.name}:${edge.from}>${edge.to}`;
      if (seen.has(id)) throw new Error(`Converter ${converter.name} declares ${edge.from} → ${edge.to} twice.`);
      seen.add(id);
      const list = out.get(edge.from) ?? [];
      list.push({ ...edge, converter });
      out.set(edge.from, list);
    }
  }
  return { out, inputs: policy.inputs, outputs: policy.outputs };
}

/** Cheapest path of edges (empty when from = to and no final converter is required), or undefined. */
export function cheapestPath(graph: Graph, query: PathQuery): GraphEdge[] | undefined {
  if (query.from === query.to && !query.lastBy) return [];
  // Dijkstra on (cost, steps); the graph is small (hundreds of edges), a linear scan for the minimum is enough.
  const best = new Map<string, { cost: number; steps: number; path: GraphEdge[] }>([[query.from, { cost: 0, steps: 0, path: [] }]]);
  const done = new Set<string>();
  let answer: { cost: number; steps: number; path: GraphEdge[] } | undefined;
  for (;;) {
    let node: string | undefined;
    for (const [mime, entry] of best) {
      if (done.has(mime)) continue;
      const current = node === undefined ? undefined : best.get(node)!;
      if (!current || better(entry, current)) node = mime;
    }
    if (node === undefined) break;
    done.add(node);
    const here = best.get(node)!;
    for (const edge of graph.out.get(node) ?? []) {
      const next = { cost: here.cost + edge.cost, steps: here.steps + 1, path: [...here.path, edge] };
      if (edge.to === query.to && (!query.lastBy || edge.converter.name === query.lastBy)) {
        if (!answer || better(next, answer)) answer = next;
      }
      const known = best.get(edge.to);
      if (!done.has(edge.to) && (!known || better(next, known))) best.set(edge.to, next);
    }
  }
  return answer?.path;
}

function better(a: { cost: number; steps: number }, b: { cost: number; steps: number }): boolean {
  return a.cost < b.cost || (a.cost === b.cost && a.steps < b.steps);
}

export function acceptsInput(graph: Graph, mime: string): boolean {
  return mimeMatches(graph.inputs, mime);
}

export function allowsOutput(graph: Graph, mime: string): boolean {
  return mimeMatches(graph.outputs, mime);
}

/** Every type reachable from `from` (excluding itself unless a converter maps it onto itself). */
export function reachableFrom(graph: Graph, from: string): string[] {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    for (const edge of graph.out.get(stack.pop()!) ?? []) {
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        stack.push(edge.to);
      }
    }
  }
  return [...seen].filter((mime) => allowsOutput(graph, mime)).sort();
}

/** Every input type some converter reads that the profile accepts. */
export function inputTypes(graph: Graph): string[] {
  return [...graph.out.keys()].filter((mime) => acceptsInput(graph, mime)).sort();
}
