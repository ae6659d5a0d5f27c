// Plans a conversion: the cheapest path for a source type and target, each step's options and cache key, the path's name.
import type { Converter, ResolvedTool, Resize } from './converters/converter.js';
import { NoConversionPathError, UnsupportedFormatError } from './errors.js';
import { canonicalExt, formatByMime } from './formats.js';
import { acceptsInput, allowsOutput, cheapestPath, type Graph, type GraphEdge } from './graph.js';
import { isSized, outputBox, type Target, type TargetOptions } from './typestring.js';

export interface PlannedStep {
  edge: GraphEdge;
  options: TargetOptions;
  resize?: Resize;
  /** Cache key of this step's output, chained from the previous step's key. */
  key: string;
}

export interface Plan {
  steps: PlannedStep[];
  /** `docx>pdf>png>thumb.webp`, for X-Omnic-Path and /status. */
  names: string[];
}

export interface Planner {
  plan(sourceMime: string, sourceKey: string, target: Target): Plan;
}

export function createPlanner(graph: Graph, tools: Record<string, ResolvedTool>, profileName: string, keyOf: (...parts: string[]) => string): Planner {
  const versions = new Map<Converter, string>();
  const versionOf = (converter: Converter) => {
    let version = versions.get(converter);
    if (version === undefined) {
      version = [converter.libraryVersion ?? '', ...converter.tools.map((t) => `${t.name}=${tools[t.name]?.version ?? ''}`)].join(';');
      versions.set(converter, version);
    }
    return version;
  };
  return {
    plan(sourceMime, sourceKey, target) {
      if (!acceptsInput(graph, sourceMime)) {
        throw new UnsupportedFormatError(`The source is ${canonicalExt(sourceMime)} (${sourceMime}), which the "${profileName}" profile does not accept. GET /formats lists its input types.`);
      }
      const sized = isSized(target);
      const to = target.format.mime;
      // A same-type target with options (jpg:q=30 of a jpg) is re-encoded by sharp when it can; otherwise the source is the answer.
      const reencode = !sized && sourceMime === to && Object.keys(target.options).length > 0;
      const lastBy = sized || reencode ? 'sharp' : undefined;
      const edges = allowsOutput(graph, to) ? (cheapestPath(graph, { from: sourceMime, to, lastBy }) ?? (reencode ? [] : undefined)) : undefined;
      if (!edges) {
        throw new NoConversionPathError(`The "${profileName}" profile has no conversion from ${canonicalExt(sourceMime)} to ${target.canonical}. GET /formats lists what it converts.`);
      }
      let key = sourceKey;
      const steps = edges.map((edge, i) => {
        const last = i === edges.length - 1;
        const resize = last && sized ? resizeOf(target, sourceMime) : undefined;
        const options = pick(target.options, edge.converter.options);
        key = keyOf('step', key, edge.converter.name, versionOf(edge.converter), `${edge.from}>${edge.to}`, JSON.stringify(options), JSON.stringify(resize ?? null));
        return { edge, options, resize, key };
      });
      const names = [canonicalExt(sourceMime), ...edges.map((e) => canonicalExt(e.to))];
      if (target.thumb) names[names.length - 1] = `thumb.${target.format.exts[0]}`;
      return { steps, names };
    },
  };
}

/** Sources whose pictures are pages: their thumbnails keep the top, where titles and headers are. */
const PAGE_FAMILIES = new Set(['pdf', 'postscript', 'document', 'spreadsheet', 'presentation', 'markup', 'code', 'archive', 'data']);

function resizeOf(target: Target, sourceMime: string): Resize {
  const box = outputBox(target);
  const anchor = PAGE_FAMILIES.has(formatByMime(sourceMime)?.family ?? '') ? 'top' : 'centre';
  return { width: box.width, height: box.height, fit: target.options.fit ?? (target.thumb ? 'cover' : 'inside'), enlarge: target.thumb, anchor };
}

function pick(options: TargetOptions, names: readonly string[]): TargetOptions {
  const picked: Record<string, unknown> = {};
  for (const name of [...names].sort()) {
    const value = options[name as keyof TargetOptions];
    if (value !== undefined) picked[name] = value;
  }
  return picked as TargetOptions;
}
