// The one table of formats omnic knows (MIME, extensions, family, capabilities) and source type detection.
export type Family =
  | 'image' | 'vector' | 'pdf' | 'postscript' | 'document' | 'spreadsheet' | 'presentation' | 'drawing'
  | 'video' | 'audio' | 'markup' | 'code' | 'molecule' | 'mesh' | 'archive' | 'data';

export interface Format {
  /** Canonical MIME type: the graph's node id. */
  mime: string;
  /** Extensions, first is canonical (typestrings and X-Omnic-Path use it). */
  exts: string[];
  family: Family;
  /** 'text' formats are recognised by extension when the bytes are text; 'binary' ones when they are not. */
  encoding: 'text' | 'binary' | 'any';
  /** The Content-Type sent when it differs from `mime` (e.g. a charset, or min.js). */
  contentType?: string;
  /** Other MIME names (from file-type, servers or users) meaning this format. */
  aliases?: string[];
  /** Generic container types that detection may refine to this format by extension (docx is a zip). */
  containers?: string[];
}

const T = 'text' as const;
const B = 'binary' as const;
const ZIP = ['application/zip'];
const CFB = ['application/x-cfb'];
const XML = ['application/xml', 'text/plain'];
const TXT = ['text/plain'];

export const FORMATS: readonly Format[] = [
  // Raster images
  { mime: 'image/jpeg', exts: ['jpg', 'jpeg', 'jpe', 'jfif'], family: 'image', encoding: B, aliases: ['image/jpg', 'image/pjpeg'] },
  { mime: 'image/png', exts: ['png'], family: 'image', encoding: B, aliases: ['image/apng'] },
  { mime: 'image/webp', exts: ['webp'], family: 'image', encoding: B },
  { mime: 'image/avif', exts: ['avif'], family: 'image', encoding: B },
  { mime: 'image/gif', exts: ['gif'], family: 'image', encoding: B },
  { mime: 'image/tiff', exts: ['tiff', 'tif'], family: 'image', encoding: B },
  { mime: 'image/heic', exts: ['heic', 'heif'], family: 'image', encoding: B, aliases: ['image/heif', 'image/heic-sequence', 'image/heif-sequence'] },
  { mime: 'image/jxl', exts: ['jxl'], family: 'image', encoding: B },
  { mime: 'image/bmp', exts: ['bmp', 'dib'], family: 'image', encoding: B, aliases: ['image/x-bmp', 'image/x-ms-bmp'] },
  { mime: 'image/x-icon', exts: ['ico', 'cur'], family: 'image', encoding: B, aliases: ['image/vnd.microsoft.icon'] },
  { mime: 'image/vnd.adobe.photoshop', exts: ['psd'], family: 'image', encoding: B, aliases: ['image/x-photoshop', 'application/x-photoshop'] },
  // An uncompressed truecolour TGA starts 00 00 02 00, which file-type reads as a CUR icon: let the name decide.
  { mime: 'image/x-tga', exts: ['tga', 'icb', 'vda', 'vst'], family: 'image', encoding: B, aliases: ['image/x-targa'], containers: ['image/x-icon'] },
  { mime: 'image/x-xcf', exts: ['xcf'], family: 'image', encoding: B },
  { mime: 'image/x-pcx', exts: ['pcx'], family: 'image', encoding: B, aliases: ['image/vnd.zbrush.pcx'] },
  { mime: 'image/x-portable-anymap', exts: ['pnm', 'ppm', 'pgm', 'pbm'], family: 'image', encoding: 'any', aliases: ['image/x-portable-pixmap', 'image/x-portable-graymap', 'image/x-portable-bitmap'] },
  { mime: 'image/x-adobe-dng', exts: ['dng'], family: 'image', encoding: B, containers: ['image/tiff'] },
  { mime: 'image/x-canon-cr2', exts: ['cr2'], family: 'image', encoding: B, containers: ['image/tiff'] },
  { mime: 'image/x-nikon-nef', exts: ['nef'], family: 'image', encoding: B, containers: ['image/tiff'] },
  { mime: 'image/x-sony-arw', exts: ['arw'], family: 'image', encoding: B, containers: ['image/tiff'] },
  // Vector and page description
  { mime: 'image/svg+xml', exts: ['svg', 'svgz'], family: 'vector', encoding: T, containers: XML },
  { mime: 'application/pdf', exts: ['pdf'], family: 'pdf', encoding: B, aliases: ['application/x-pdf'] },
  { mime: 'application/postscript', exts: ['ps'], family: 'postscript', encoding: T },
  { mime: 'application/eps', exts: ['eps', 'epsf', 'epsi'], family: 'postscript', encoding: 'any', aliases: ['image/x-eps', 'application/x-eps', 'image/eps'], containers: ['application/postscript'] },
  { mime: 'application/illustrator', exts: ['ai'], family: 'vector', encoding: B, aliases: ['application/vnd.adobe.illustrator'], containers: ['application/pdf', 'application/postscript'] },
  // Office documents
  { mime: 'application/msword', exts: ['doc', 'dot'], family: 'document', encoding: B, containers: CFB },
  { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', exts: ['docx'], family: 'document', encoding: B, containers: ZIP, aliases: ['application/vnd.ms-word.document.macroenabled.12'] },
  { mime: 'application/vnd.oasis.opendocument.text', exts: ['odt'], family: 'document', encoding: B, containers: ZIP },
  { mime: 'application/rtf', exts: ['rtf'], family: 'document', encoding: 'any', aliases: ['text/rtf'] },
  { mime: 'application/vnd.ms-excel', exts: ['xls'], family: 'spreadsheet', encoding: B, containers: CFB },
  { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', exts: ['xlsx'], family: 'spreadsheet', encoding: B, containers: ZIP, aliases: ['application/vnd.ms-excel.sheet.macroenabled.12'] },
  { mime: 'application/vnd.oasis.opendocument.spreadsheet', exts: ['ods'], family: 'spreadsheet', encoding: B, containers: ZIP },
  { mime: 'text/csv', exts: ['csv'], family: 'spreadsheet', encoding: T, contentType: 'text/csv; charset=utf-8', containers: TXT },
  { mime: 'application/vnd.ms-powerpoint', exts: ['ppt', 'pps'], family: 'presentation', encoding: B, containers: CFB },
  { mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', exts: ['pptx'], family: 'presentation', encoding: B, containers: ZIP, aliases: ['application/vnd.ms-powerpoint.presentation.macroenabled.12', 'application/vnd.openxmlformats-officedocument.presentationml.slideshow'] },
  { mime: 'application/vnd.oasis.opendocument.presentation', exts: ['odp'], family: 'presentation', encoding: B, containers: ZIP },
  { mime: 'application/vnd.oasis.opendocument.graphics', exts: ['odg'], family: 'drawing', encoding: B, containers: ZIP },
  { mime: 'application/vnd.ms-visio.drawing', exts: ['vsdx'], family: 'drawing', encoding: B, containers: ZIP, aliases: ['application/vnd.visio'] },
  // Video and audio
  { mime: 'video/mp4', exts: ['mp4', 'm4v'], family: 'video', encoding: B },
  { mime: 'video/webm', exts: ['webm'], family: 'video', encoding: B, containers: ['video/matroska'] },
  { mime: 'video/matroska', exts: ['mkv'], family: 'video', encoding: B, aliases: ['video/x-matroska'] },
  { mime: 'video/quicktime', exts: ['mov', 'qt'], family: 'video', encoding: B },
  { mime: 'video/x-msvideo', exts: ['avi'], family: 'video', encoding: B, aliases: ['video/vnd.avi', 'video/avi'] },
  { mime: 'video/ogg', exts: ['ogv'], family: 'video', encoding: B, containers: ['audio/ogg', 'application/ogg'] },
  { mime: 'audio/mpeg', exts: ['mp3'], family: 'audio', encoding: B, aliases: ['audio/mp3'] },
  { mime: 'audio/wav', exts: ['wav'], family: 'audio', encoding: B, aliases: ['audio/x-wav', 'audio/vnd.wave', 'audio/wave'] },
  { mime: 'audio/ogg', exts: ['ogg', 'oga'], family: 'audio', encoding: B, aliases: ['application/ogg'] },
  { mime: 'audio/flac', exts: ['flac'], family: 'audio', encoding: B, aliases: ['audio/x-flac'] },
  { mime: 'audio/mp4', exts: ['m4a'], family: 'audio', encoding: B, aliases: ['audio/x-m4a'], containers: ['video/mp4'] },
  { mime: 'audio/opus', exts: ['opus'], family: 'audio', encoding: B, aliases: ['audio/ogg; codecs=opus'], containers: ['audio/ogg'] },
  // Markup and text
  { mime: 'text/markdown', exts: ['md', 'markdown'], family: 'markup', encoding: T, contentType: 'text/markdown; charset=utf-8', aliases: ['text/x-markdown'], containers: TXT },
  { mime: 'text/x-rst', exts: ['rst'], family: 'markup', encoding: T, contentType: 'text/x-rst; charset=utf-8', containers: TXT },
  { mime: 'text/org', exts: ['org'], family: 'markup', encoding: T, contentType: 'text/org; charset=utf-8', containers: TXT },
  { mime: 'text/x-textile', exts: ['textile'], family: 'markup', encoding: T, contentType: 'text/x-textile; charset=utf-8', containers: TXT },
  { mime: 'application/epub+zip', exts: ['epub'], family: 'markup', encoding: B, containers: ZIP },
  { mime: 'text/html', exts: ['html', 'htm'], family: 'markup', encoding: T, contentType: 'text/html; charset=utf-8', containers: TXT },
  { mime: 'text/plain', exts: ['txt', 'text'], family: 'data', encoding: T, contentType: 'text/plain; charset=utf-8' },
  { mime: 'application/json', exts: ['json'], family: 'data', encoding: T, contentType: 'application/json; charset=utf-8', containers: TXT },
  // Source code
  { mime: 'text/javascript', exts: ['js', 'mjs', 'cjs'], family: 'code', encoding: T, contentType: 'text/javascript; charset=utf-8', aliases: ['application/javascript', 'application/x-javascript'], containers: TXT },
  { mime: 'text/x-minified-javascript', exts: ['min.js'], family: 'code', encoding: T, contentType: 'text/javascript; charset=utf-8' },
  { mime: 'text/typescript', exts: ['ts', 'mts', 'cts'], family: 'code', encoding: T, contentType: 'text/typescript; charset=utf-8', aliases: ['application/typescript', 'application/x-typescript'], containers: TXT },
  { mime: 'text/jsx', exts: ['jsx'], family: 'code', encoding: T, contentType: 'text/jsx; charset=utf-8', containers: TXT },
  { mime: 'text/tsx', exts: ['tsx'], family: 'code', encoding: T, contentType: 'text/tsx; charset=utf-8', containers: TXT },
  { mime: 'text/x-python', exts: ['py', 'pyw'], family: 'code', encoding: T, contentType: 'text/x-python; charset=utf-8', aliases: ['text/x-script.python', 'application/x-python-code'], containers: TXT },
  { mime: 'text/x-c', exts: ['c', 'h'], family: 'code', encoding: T, contentType: 'text/x-c; charset=utf-8', aliases: ['text/x-csrc', 'text/x-chdr'], containers: TXT },
  { mime: 'text/x-c++', exts: ['cpp', 'cc', 'cxx', 'hpp', 'hh'], family: 'code', encoding: T, contentType: 'text/x-c++; charset=utf-8', aliases: ['text/x-c++src'], containers: TXT },
  { mime: 'text/x-go', exts: ['go'], family: 'code', encoding: T, contentType: 'text/x-go; charset=utf-8', containers: TXT },
  { mime: 'text/x-rust', exts: ['rs'], family: 'code', encoding: T, contentType: 'text/x-rust; charset=utf-8', containers: TXT },
  { mime: 'text/x-java', exts: ['java'], family: 'code', encoding: T, contentType: 'text/x-java; charset=utf-8', aliases: ['text/x-java-source'], containers: TXT },
  { mime: 'text/x-ruby', exts: ['rb'], family: 'code', encoding: T, contentType: 'text/x-ruby; charset=utf-8', containers: TXT },
  { mime: 'text/x-shellscript', exts: ['sh', 'bash'], family: 'code', encoding: T, contentType: 'text/x-shellscript; charset=utf-8', aliases: ['application/x-sh'], containers: TXT },
  { mime: 'text/css', exts: ['css'], family: 'code', encoding: T, contentType: 'text/css; charset=utf-8', containers: TXT },
  { mime: 'text/x-sql', exts: ['sql'], family: 'code', encoding: T, contentType: 'text/x-sql; charset=utf-8', aliases: ['application/sql'], containers: TXT },
  { mime: 'text/yaml', exts: ['yaml', 'yml'], family: 'code', encoding: T, contentType: 'text/yaml; charset=utf-8', aliases: ['application/yaml', 'text/x-yaml', 'application/x-yaml'], containers: TXT },
  // Molecules
  { mime: 'chemical/x-mdl-molfile', exts: ['mol'], family: 'molecule', encoding: T, containers: TXT },
  { mime: 'chemical/x-mdl-sdfile', exts: ['sdf', 'sd'], family: 'molecule', encoding: T, containers: TXT },
  { mime: 'chemical/x-pdb', exts: ['pdb', 'ent'], family: 'molecule', encoding: T, containers: TXT },
  { mime: 'chemical/x-xyz', exts: ['xyz'], family: 'molecule', encoding: T, containers: TXT },
  { mime: 'chemical/x-cml', exts: ['cml'], family: 'molecule', encoding: T, containers: XML },
  { mime: 'chemical/x-mol2', exts: ['mol2', 'ml2'], family: 'molecule', encoding: T, containers: TXT },
  { mime: 'chemical/x-daylight-smiles', exts: ['smi', 'smiles'], family: 'molecule', encoding: T, containers: TXT },
  // Meshes
  { mime: 'model/obj', exts: ['obj'], family: 'mesh', encoding: T, containers: TXT },
  { mime: 'model/stl', exts: ['stl'], family: 'mesh', encoding: 'any', aliases: ['application/sla', 'model/x.stl-binary', 'model/x.stl-ascii'], containers: TXT },
  { mime: 'model/x-ply', exts: ['ply'], family: 'mesh', encoding: 'any', aliases: ['application/ply', 'model/ply'] },
  { mime: 'model/x-3ds', exts: ['3ds'], family: 'mesh', encoding: B, aliases: ['image/x-3ds', 'application/x-3ds'] },
  { mime: 'model/vnd.collada+xml', exts: ['dae'], family: 'mesh', encoding: T, containers: XML },
  { mime: 'model/gltf+json', exts: ['gltf'], family: 'mesh', encoding: T, containers: ['application/json', 'text/plain'] },
  { mime: 'model/gltf-binary', exts: ['glb'], family: 'mesh', encoding: B },
  { mime: 'model/x-off', exts: ['off'], family: 'mesh', encoding: T, containers: TXT },
  // Archives
  { mime: 'application/zip', exts: ['zip'], family: 'archive', encoding: B, aliases: ['application/x-zip-compressed'] },
  { mime: 'application/x-tar', exts: ['tar'], family: 'archive', encoding: B },
  { mime: 'application/gzip', exts: ['tgz', 'tar.gz', 'gz'], family: 'archive', encoding: B, aliases: ['application/x-gzip', 'application/x-compressed-tar'] },
];

const byMime = new Map<string, Format>();
const byExt = new Map<string, Format>();
for (const format of FORMATS) {
  for (const name of [format.mime, ...(format.aliases ?? [])]) {
    if (byMime.has(name)) throw new Error(`formats: MIME ${name} declared twice`);
    byMime.set(name, format);
  }
  for (const ext of format.exts) {
    if (byExt.has(ext)) throw new Error(`formats: extension .${ext} declared twice`);
    byExt.set(ext, format);
  }
}

/** The format for a MIME type or alias (parameters and case ignored). */
export function formatByMime(mime: string): Format | undefined {
  const bare = mime.toLowerCase().split(';')[0]!.trim();
  return byMime.get(mime.toLowerCase().trim()) ?? byMime.get(bare);
}

/** The format for an extension without its dot (`min.js`, `tar.gz`, `png`). */
export function formatByExt(ext: string): Format | undefined {
  return byExt.get(ext.toLowerCase().replace(/^\./, ''));
}

/** The format named by a path or URL's last segment, trying double extensions first. */
export function formatByFilename(name: string): Format | undefined {
  const base = (name.split(/[/\\]/).pop() ?? '').toLowerCase();
  const parts = base.split('.');
  for (let i = 1; i < parts.length; i++) {
    const found = byExt.get(parts.slice(i).join('.'));
    if (found) return found;
  }
  return undefined;
}

export function canonicalExt(mime: string): string {
  return formatByMime(mime)?.exts[0] ?? mime;
}

export function contentTypeOf(mime: string): string {
  const format = formatByMime(mime);
  return format?.contentType ?? format?.mime ?? mime;
}
