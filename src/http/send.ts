// Sends a finished cache entry: exact Content-Type, ETag/304, single-range 206, immutable caching, nosniff.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { CacheHit } from '../cache.js';
import { contentTypeOf } from '../formats.js';

/** Active content (HTML, SVG) is served inert: no scripts, no fetches, sandboxed. */
const INERT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox";
const ACTIVE = /^(text\/html|image\/svg\+xml)/;

export interface HitOptions {
  mime: string;
  path: string[];
  maxAge: number;
}

export function etagOf(hit: CacheHit): string {
  return `"${hit.objectKey.slice(0, 40)}"`;
}

/** The headers of a finished result, shared by the Koa route and the fast path. */
export function resultHeaders(hit: CacheHit, options: HitOptions): Record<string, string> {
  const contentType = contentTypeOf(options.mime);
  return {
    'Content-Type': contentType,
    ETag: etagOf(hit),
    'Cache-Control': options.maxAge > 0 ? `public, max-age=${options.maxAge}, immutable` : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'X-Omnic-Path': options.path.join('>'),
    'Accept-Ranges': 'bytes',
    ...(ACTIVE.test(contentType) ? { 'Content-Security-Policy': INERT_CSP } : {}),
  };
}

export async function sendHit(ctx: Context, hit: CacheHit, options: HitOptions): Promise<void> {
  const etag = etagOf(hit);
  ctx.set(resultHeaders(hit, options));
  if (matchesEtag(ctx.get('If-None-Match'), etag)) {
    ctx.status = 304;
    return;
  }
  const range = parseRange(ctx.get('Range'), hit.size);
  if (range === 'unsatisfiable') {
    ctx.status = 416;
    ctx.set('Content-Range', `bytes */${hit.size}`);
    ctx.body = '';
    return;
  }
  if (range && (!ctx.get('If-Range') || ctx.get('If-Range') === etag)) {
    ctx.status = 206;
    ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${hit.size}`);
    await setBody(ctx, range.end - range.start + 1, () => hit.body?.subarray(range.start, range.end + 1) ?? streamOf(hit.file, range));
    return;
  }
  ctx.status = 200;
  await setBody(ctx, hit.size, () => hit.body ?? streamOf(hit.file));
}

/** HEAD gets the headers GET would get (Koa turns a null body into 204, so an empty one stands in). */
export async function setBody(ctx: Context, length: number, body: () => Promise<Readable> | Buffer): Promise<void> {
  ctx.body = ctx.method === 'HEAD' ? '' : await body();
  ctx.length = length;
}

/** Opens the file before answering: once open, an eviction that unlinks it cannot cut the response short. */
async function streamOf(file: string, range?: { start: number; end: number }): Promise<Readable> {
  const handle = await open(file);
  return handle.createReadStream(range ?? {});
}

export function matchesEtag(header: string, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** One `bytes=a-b` range; multiple ranges are answered with the whole file (RFC 9110 allows it). */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (!match[1] && !match[2])) return undefined;
  let start: number;
  let end: number;
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
