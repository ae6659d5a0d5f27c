// Serves cached /media results held in memory straight from node:http, before Koa: the hot path of a busy page.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { CROSS_ORIGIN_HEADERS, flag, resolveMedia, type MediaDeps } from './media.js';
import { etagOf, matchesEtag, resultHeaders } from './send.js';

export type FastPath = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Answers GET/HEAD of a finished, in-memory result with exactly the headers the Koa route would send.
 * Anything else (errors, ranges, status queries, misses, large files) returns false and goes to Koa.
 */
export function createFastPath(deps: MediaDeps, log: Logger): FastPath {
  return async (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url?.startsWith('/media/') || req.headers.range) return false;
    const parsed = new URL(req.url, 'http://omnic');
    const query = Object.fromEntries(parsed.searchParams);
    if (flag(query.status) || flag(query.just_checking)) return false;
    let key: string;
    try {
      key = resolveMedia(deps, decodeURIComponent(parsed.pathname.slice('/media/'.length)), query).key;
    } catch {
      return false; // Koa builds the error response
    }
    const done = await deps.jobs.lookup(key);
    if (!done?.hit.body) return false;
    const started = performance.now();
    deps.metrics.cacheHits.inc({ layer: 'result' });
    const requestId = randomUUID();
    const headers: Record<string, string | number> = {
      ...resultHeaders(done.hit, { mime: done.mime, path: done.path, maxAge: deps.resultMaxAge }),
      ...CROSS_ORIGIN_HEADERS,
      'X-Request-Id': requestId,
    };
    const notModified = matchesEtag(req.headers['if-none-match'] ?? '', etagOf(done.hit));
    const status = notModified ? 304 : 200;
    if (!notModified) headers['Content-Length'] = done.hit.body.length;
    res.writeHead(status, headers);
    res.end(notModified || req.method === 'HEAD' ? undefined : done.hit.body);
    deps.metrics.httpRequests.inc({ route: 'media', method: req.method, status: String(status) });
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.httpDuration.observe({ route: 'media' }, seconds);
    if (log.isInfoEnabled()) {
      log.info('request', { requestId, method: req.method, route: 'media', status, durationMs: Math.round(seconds * 1000), cache: 'hit', path: done.path.join('>') });
    }
    return true;
  };
}
