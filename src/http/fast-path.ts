// Serves cached /media results held in memory straight from node:http, before Koa: the hot path of a busy page.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { JobResult } from '../jobs.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Target } from '../typestring.js';
import { CROSS_ORIGIN_HEADERS, flag, resolveMedia, type MediaDeps } from './media.js';
import { etagOf, matchesEtag, resultHeaders } from './send.js';

/** true: answered; false: Koa answers; a promise: not known yet (the first hit of a URL looks it up). */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** A request listener: the fast path first, `fallback` (Koa, or the proxy to the converting process) for the rest. */
export function withFastPath(fast: FastPath, fallback: (req: IncomingMessage, res: ServerResponse) => void): RequestListener {
  return (req, res) => {
    const handled = fast(req, res);
    if (handled === true) return;
    if (handled === false) return fallback(req, res);
    handled.then(
      (done) => done || fallback(req, res),
      () => fallback(req, res),
    );
  };
}

/** What the fast path needs of the results: the converting process's jobs, or a worker's view of the cache on disk. */
export interface ResultSource {
  resultKey(target: Target, sourceId: string): string;
  lookup(key: string): Promise<JobResult | undefined>;
  /** Answers looked up under one generation stay valid while it lasts. */
  generation(): number;
  /** Called with the result key on each memoised hit, so the cache keeps what is popular. */
  touch(key: string): void;
}

export interface FastPathDeps extends Pick<MediaDeps, 'precheck' | 'signingKeys' | 'resultMaxAge'> {
  jobs: ResultSource;
  metrics: Pick<Metrics, 'cacheHits' | 'httpDuration' | 'httpRequests'>;
}

/** A finished result, ready to write: validated once per request URL, then answered without parsing anything. */
interface Answer {
  /** The result's cache key. */
  key: string;
  body: Buffer;
  etag: string;
  /** Flat [name, value, …] lists for writeHead: 200/HEAD (with Content-Length) and 304. */
  ok: string[];
  notModified: string[];
  /** Cache generation the lookup was made under; any removal from the cache invalidates the answer. */
  generation: number;
  /** Expiry of a signed URL (ms since epoch), 0 when it has none. */
  expiresMs: number;
  path: string;
}

/** Memoised answers, bounded by the bytes they hold and their number; longer URLs are validated every time. */
const MEMO_BYTES = 32 * 2 ** 20;
const MEMO_ENTRIES = 10_000;
const MEMO_URL_LENGTH = 2048;
const MEMO_ENTRY_BYTES = 1024 * 1024;
const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Answers GET/HEAD of a finished, in-memory result with exactly the headers the Koa route would send.
 * The first hit of a request URL runs the full validation (typestring, signature, egress pre-check, lookup) and
 * memoises the answer under the raw URL; later hits only check that the cache has not changed and that a signed
 * URL has not expired. Anything else (errors, ranges, status queries, misses, large files) goes to Koa.
 */
export function createFastPath(deps: FastPathDeps, log: Logger): FastPath {
  const memo = new LRUCache<string, Answer>({
    max: MEMO_ENTRIES,
    maxSize: MEMO_BYTES,
    // Thumbnails, not whole documents: one large answer must not push out thousands of small ones.
    maxEntrySize: MEMO_ENTRY_BYTES,
    // The body may outlive the cache's in-memory copy; the key and the header lists count too.
    sizeCalculation: (a, url) => a.body.length + 2 * url.length + a.ok.reduce((n, h) => n + h.length, 0) + 256,
  });
  const counters = new Map<string, { inc(): void }>();
  const hits = deps.metrics.cacheHits.labels({ layer: 'result' });
  const duration = deps.metrics.httpDuration.labels({ route: 'media' });
  const requests = (method: string, status: number) => {
    const name = `${method} ${status}`;
    let counter = counters.get(name);
    if (!counter) counters.set(name, (counter = deps.metrics.httpRequests.labels({ route: 'media', method, status: String(status) })));
    return counter;
  };

  function answer(req: IncomingMessage, res: ServerResponse, a: Answer): void {
    const started = performance.now();
    hits.inc();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const notModified = req.headers['if-none-match'] !== undefined && matchesEtag(req.headers['if-none-match'], a.etag);
    const status = notModified ? 304 : 200;
    res.writeHead(status, [...(notModified ? a.notModified : a.ok), 'X-Request-Id', requestId]);
    res.end(notModified || req.method === 'HEAD' ? undefined : a.body);
    requests(req.method!, status).inc();
    const seconds = (performance.now() - started) / 1000;
    duration.observe(seconds);
    if (log.isInfoEnabled()) {
      log.info('request', { requestId, method: req.method, route: 'media', status, durationMs: Math.round(seconds * 1000), cache: 'hit', path: a.path });
    }
  }

  async function lookup(url: string): Promise<Answer | undefined> {
    const generation = deps.jobs.generation();
    const parsed = new URL(url, 'http://omnic');
    // The first value of a repeated parameter, as the Koa route reads it.
    const query: Record<string, string> = {};
    for (const [name, value] of parsed.searchParams) query[name] ??= value;
    if (flag(query.status) || flag(query.just_checking)) return undefined;
    let key: string;
    try {
      key = resolveMedia(deps, decodeURIComponent(parsed.pathname.slice('/media/'.length)), query).key;
    } catch {
      return undefined; // Koa builds the error response
    }
    const result = await deps.jobs.lookup(key);
    const body = result?.hit.body;
    if (!result || !body) return undefined;
    const headers = Object.entries({ ...resultHeaders(result.hit, { mime: result.mime, path: result.path, maxAge: deps.resultMaxAge }), ...CROSS_ORIGIN_HEADERS });
    const notModified = headers.flat();
    const exp = deps.signingKeys.length && query.exp ? Number(query.exp) * 1000 : 0;
    const a: Answer = {
      key,
      body,
      etag: etagOf(result.hit),
      ok: [...notModified, 'Content-Length', String(body.length)],
      notModified,
      generation,
      expiresMs: Number.isFinite(exp) ? exp : 0,
      path: result.path.join('>'),
    };
    if (url.length <= MEMO_URL_LENGTH) memo.set(url, a);
    return a;
  }

  return (req, res) => {
    const url = req.url;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !url?.startsWith('/media/') || req.headers.range) return false;
    const known = memo.get(url);
    if (known && known.generation === deps.jobs.generation() && (!known.expiresMs || Date.now() <= known.expiresMs)) {
      deps.jobs.touch(known.key);
      answer(req, res, known);
      return true;
    }
    return lookup(url).then((a) => {
      if (!a) return false;
      answer(req, res, a);
      return true;
    });
  };
}
