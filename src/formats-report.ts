// What the active profile converts: every accepted input type and every output reachable from it (/formats, `omnic formats`).
import { canonicalExt, formatByMime } from './formats.js';
import { cheapestPath, inputTypes, reachableFrom, type Graph } from './graph.js';

export interface FormatsReport {
  profile: string;
  inputs: {
    mime: string;
    ext: string;
    family: string;
    /** Whether thumb.<ext>:WxH works (a sharp-readable image is reachable). */
    thumbnails: boolean;
    outputs: { mime: string; ext: string; steps: string[] }[];
  }[];
}

export function formatsReport(graph: Graph, profile: string): FormatsReport {
  return {
    profile,
    inputs: inputTypes(graph).map((mime) => ({
      mime,
      ext: canonicalExt(mime),
      family: formatByMime(mime)?.family ?? 'unknown',
      thumbnails: !!cheapestPath(graph, { from: mime, to: 'image/png', lastBy: 'sharp' }),
      outputs: reachableFrom(graph, mime)
        .filter((to) => to !== mime)
        .map((to) => ({
          mime: to,
          ext: canonicalExt(to),
          steps: [mime, ...(cheapestPath(graph, { from: mime, to }) ?? []).map((e) => e.to)].map(canonicalExt),
        })),
    })),
  };
}
