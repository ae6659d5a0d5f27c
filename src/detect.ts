// Source type detection: magic bytes first (file-type and our text sniffers), then the name's extension, then Content-Type.
import { open, readFile } from 'node:fs/promises';
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import { formatByFilename, formatByMime, type Format } from './formats.js';

export interface DetectHints {
  /** The URL path or upload file name. */
  filename?: string;
  /** The origin's Content-Type header. */
  contentType?: string;
}

export interface Detection {
  format?: Format;
  /** What the bytes said, for error messages (`application/x-msdownload`, `text`, `binary`). */
  evidence: string;
}

const HEAD_BYTES = 64 * 1024;

/** Detects a file's format (from `bytes` when the caller holds them); the bytes win whenever they say something definite. */
export async function detectFormat(path: string, hints: DetectHints = {}, bytes?: Buffer): Promise<Detection> {
  const hinted = hintedFormat(hints);
  const magic = await (bytes ? fileTypeFromBuffer(bytes) : fileTypeFromFile(path)).catch(() => undefined);
  if (magic && magic.mime !== 'application/xml') {
    const found = formatByMime(magic.mime) ?? { mime: magic.mime };
    if (hinted && refines(hinted, found.mime)) return { format: hinted, evidence: magic.mime };
    if (found.mime === 'application/x-cfb') return { format: sniffCompoundFile(bytes ?? (await readFile(path))), evidence: magic.mime };
    return { format: formatByMime(magic.mime), evidence: magic.mime };
  }
  const head = bytes ? bytes.subarray(0, HEAD_BYTES) : await readHead(path);
  if (!looksLikeText(head)) {
    if (hinted && hinted.encoding !== 'text') return { format: hinted, evidence: 'binary' };
    return { format: undefined, evidence: 'binary' };
  }
  const sniffed = sniffText(head.toString('utf8'));
  if (hinted && (refines(hinted, sniffed) || (sniffed === 'text/plain' && hinted.encoding !== 'binary'))) {
    return { format: hinted, evidence: sniffed };
  }
  return { format: formatByMime(sniffed) ?? formatByMime('text/plain'), evidence: sniffed };
}

function hintedFormat(hints: DetectHints): Format | undefined {
  const byName = hints.filename ? formatByFilename(hints.filename) : undefined;
  if (byName) return byName;
  const type = hints.contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type || type === 'application/octet-stream') return undefined;
  return formatByMime(type);
}

function refines(hinted: Format, detectedMime: string): boolean {
  return hinted.mime === detectedMime || (hinted.containers ?? []).includes(detectedMime);
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Text if it has no NUL byte and almost no control characters (UTF-8 and Latin-1 both pass). */
export function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return true;
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte < 9 || (byte > 13 && byte < 32)) control++;
  }
  return control / head.length < 0.01;
}

/** Recognises text formats by their content; 'application/xml' and 'text/plain' are containers to refine by name. */
export function sniffText(text: string): string {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  const lower = start.slice(0, 4096).toLowerCase();
  if (start.startsWith('%!PS')) return /^%!PS-Adobe-\S+ EPSF/.test(start) ? 'application/eps' : 'application/postscript';
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(lower)) return 'image/svg+xml';
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'text/html';
  if (lower.startsWith('<?xml')) return lower.includes('<svg') ? 'image/svg+xml' : 'application/xml';
  if (start.startsWith('{\\rtf')) return 'application/rtf';
  if ((start.startsWith('{') || start.startsWith('[')) && isJson(text)) return 'application/json';
  if (/^solid[ \t]/.test(start) && /\bfacet normal\b/.test(start.slice(0, 4096))) return 'model/stl';
  if (/^P[123]\s/.test(start)) return 'image/x-portable-anymap';
  return 'text/plain';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Old Office files share one container (CFB); the stream names inside tell Word, Excel and PowerPoint apart. */
function sniffCompoundFile(bytes: Buffer): Format | undefined {
  const has = (name: string) => bytes.includes(Buffer.from(name, 'utf16le'));
  if (has('WordDocument')) return formatByMime('application/msword');
  if (has('Workbook') || has('Book')) return formatByMime('application/vnd.ms-excel');
  if (has('PowerPoint Document')) return formatByMime('application/vnd.ms-powerpoint');
  return undefined;
}
