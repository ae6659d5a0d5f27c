// archive: zip, tar and tar.gz to a JSON or HTML listing of their entries, read in memory (nothing is ever extracted).
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { InputRejectedError } from '../errors.js';
import type { Converter, Edge } from './converter.js';
import { standaloneHtml } from './sanitize-html.js';

export interface ListingEntry {
  path: string;
  size: number;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** ISO 8601, or null when the archive records none. */
  mtime: string | null;
}

export interface Listing {
  format: 'zip' | 'tar';
  entries: ListingEntry[];
  /** Totals over the listed entries. */
  total: { entries: number; files: number; directories: number; bytes: number };
  /** True when the archive has more entries than were listed (see maxEntries). */
  truncated: boolean;
}

const INPUTS = ['application/zip', 'application/x-tar', 'application/gzip'];
/** A listing of a zip bomb's million entries is cheap to read but not to ship: stop here and say so. */
export const MAX_ENTRIES = 10_000;
/** Long names are cut so 10 000 entries stay a few megabytes at most. */
const MAX_PATH_CHARS = 512;

function edges(): Edge[] {
  return INPUTS.flatMap((from) => [
    { from, to: 'application/json', cost: 2 },
    { from, to: 'text/html', cost: 2 },
  ]);
}

export function createArchiveConverter(): Converter {
  return {
    name: 'archive',
    tools: [],
    edges: edges(),
    options: [],
    timeoutMs: 30_000,
    async run(step) {
      const listing = step.from === 'application/zip' ? await listZip(step.input) : await listTar(step.input, step.signal);
      const body = step.to === 'text/html' ? listingHtml(listing) : JSON.stringify(listing, null, 1);
      await writeFile(step.output, body);
    },
  };
}

function entry(path: string, size: number, type: ListingEntry['type'], mtime: Date | undefined): ListingEntry {
  const valid = mtime && !Number.isNaN(mtime.getTime());
  return { path: path.slice(0, MAX_PATH_CHARS), size, type, mtime: valid ? mtime.toISOString() : null };
}

function finish(format: Listing['format'], entries: ListingEntry[], truncated: boolean): Listing {
  const total = { entries: entries.length, files: 0, directories: 0, bytes: 0 };
  for (const e of entries) {
    if (e.type === 'file') total.files++;
    if (e.type === 'directory') total.directories++;
    total.bytes += e.size;
  }
  return { format, entries, total, truncated };
}

/** Reads only the central directory: no entry is inflated, so a zip bomb costs what its index costs. */
export function listZip(path: string): Promise<Listing> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(new InputRejectedError('The zip archive is corrupt or unreadable (its central directory could not be read, or it names unsafe paths).', err));
    yauzl.open(path, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return fail(err);
      const entries: ListingEntry[] = [];
      zip.on('error', fail);
      zip.on('end', () => resolve(finish('zip', entries, false)));
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(entry(e.fileName, e.uncompressedSize, zipType(e), e.getLastModDate()));
        if (entries.length < MAX_ENTRIES) return zip.readEntry();
        zip.close();
        resolve(finish('zip', entries, entries.length < zip.entryCount));
      });
      zip.readEntry();
    });
  });
}

function zipType(e: yauzl.Entry): ListingEntry['type'] {
  if (e.fileName.endsWith('/')) return 'directory';
  // Unix mode bits live in the high half of the external attributes when the zip was made on Unix.
  const mode = (e.externalFileAttributes >>> 16) & 0o170000;
  if (mode === 0o120000) return 'symlink';
  return 'file';
}

const TAR_TYPES: Record<string, ListingEntry['type']> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  SymbolicLink: 'symlink',
};

/** Streams the archive through node-tar's parser (gzip detected by it); bodies are skipped, never written anywhere. */
export function listTar(path: string, signal?: AbortSignal): Promise<Listing> {
  return new Promise((resolve, reject) => {
    const entries: ListingEntry[] = [];
    const source = createReadStream(path, { signal });
    const settle = (err?: unknown) => {
      source.destroy();
      if (err) reject(new InputRejectedError('The tar archive is corrupt, truncated or not a tar archive at all.', err));
      else resolve(finish('tar', entries, entries.length >= MAX_ENTRIES));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (e: ReadEntry) => {
        if (entries.length >= MAX_ENTRIES) return settle();
        entries.push(entry(e.path, e.size ?? 0, TAR_TYPES[e.type] ?? 'other', e.mtime));
        e.resume();
      },
    });
    parser.on('error', settle);
    parser.on('end', () => settle());
    source.on('error', settle);
    source.pipe(parser);
  });
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Every name comes from the archive, so every cell is escaped; the page is ours, with no markup from the input. */
export function listingHtml(listing: Listing): string {
  const rows = listing.entries.map((e) =>
    `<tr><td>${escapeHtml(e.path)}</td><td>${e.type}</td><td class="num" title="${e.size} bytes">${humanSize(e.size)}</td><td>${e.mtime ?? ''}</td></tr>`);
  const { total } = listing;
  const summary = `${total.entries} entries (${total.files} files, ${total.directories} directories), ${humanSize(total.bytes)} uncompressed` +
    (listing.truncated ? `. Only the first ${listing.entries.length} entries are listed.` : '.');
  const body = [
    `<h1>${listing.format === 'zip' ? 'Zip' : 'Tar'} archive</h1>`,
    `<p>${summary}</p>`,
    '<table>',
    '<thead><tr><th>Path</th><th>Type</th><th>Size</th><th>Modified</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
  return standaloneHtml({ title: `${listing.format === 'zip' ? 'Zip' : 'Tar'} archive listing`, body, css: '\n  td.num { text-align: right; }' });
}
