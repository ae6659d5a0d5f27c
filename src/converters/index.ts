// The explicit registry of converters: a profile names converters from this table, nothing else exists.
import type { Converter } from './converter.js';
import { createSharpConverter } from './sharp.js';
import { createFfmpegConverter } from './ffmpeg.js';
import { createPandocConverter } from './pandoc.js';
import { createHighlightConverter } from './highlight.js';
import { createEsbuildConverter } from './esbuild.js';
import { createArchiveConverter } from './archive.js';
import { createImageMagickConverter } from './imagemagick.js';
import { createPopplerConverter } from './poppler.js';
import { createGhostscriptConverter } from './ghostscript.js';
import { createInkscapeConverter } from './inkscape.js';
import { createLibreofficeConverter } from './libreoffice.js';
import { createOpenbabelConverter } from './openbabel.js';
import { createMeshConverter } from './mesh.js';

export const CONVERTER_FACTORIES: Readonly<Record<string, () => Converter>> = {
  sharp: createSharpConverter,
  libreoffice: createLibreofficeConverter,
  ffmpeg: createFfmpegConverter,
  pandoc: createPandocConverter,
  highlight: createHighlightConverter,
  esbuild: createEsbuildConverter,
  archive: createArchiveConverter,
  imagemagick: createImageMagickConverter,
  poppler: createPopplerConverter,
  ghostscript: createGhostscriptConverter,
  inkscape: createInkscapeConverter,
  openbabel: createOpenbabelConverter,
  mesh: createMeshConverter,
};

export function createConverters(names: readonly string[]): Converter[] {
  return names.map((name) => {
    const factory = CONVERTER_FACTORIES[name];
    if (!factory) throw new Error(`Unknown converter "${name}". Known converters: ${Object.keys(CONVERTER_FACTORIES).join(', ')}.`);
    const converter = factory();
    if (converter.name !== name) throw new Error(`Converter registered as "${name}" calls itself "${converter.name}".`);
    return converter;
  });
}

/** Every tool name of every converter (each gets an OMNIC_BIN_<NAME> override). */
export function allToolNames(): string[] {
  const names = new Set<string>();
  for (const factory of Object.values(CONVERTER_FACTORIES)) for (const tool of factory().tools) names.add(tool.name);
  return [...names].sort();
}
