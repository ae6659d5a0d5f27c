// Request id, the one error → response mapping (DESIGN §1.4), per-request log line and HTTP metrics.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { toOmnicError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export interface RequestState {
  requestId: string;
  /** Route name for metrics and logs (bounded: never the URL). */
  route?: string;
  cache?: 'hit' | 'miss' | 'coalesced' | 'placeholder';
  path?: string;
}

export function requestContext(log: Logger, metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    const given = ctx.get('X-Request-Id');
    const state = ctx.state as RequestState;
    state.requestId = /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', state.requestId);
    const started = performance.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: 'not_found', message: `No route ${ctx.method} ${ctx.path}. Routes: /media/<typestring>/?url=…, POST /convert/<typestring>, /formats, /healthz, /readyz, /metrics, /version.`, requestId: state.requestId };
      }
    } catch (err) {
      const error = toOmnicError(err);
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: error.code,
        message: error.expose ? error.message : `Internal error; quote request id ${state.requestId} to the operator.`,
        requestId: state.requestId,
      };
      metrics.rejections.inc({ reason: error.code });
      if (error.status >= 500 && error.code === 'internal_error') log.error('request failed', { requestId: state.requestId, err: (err as Error)?.stack ?? String(err) });
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = state.route ?? 'other';
      metrics.httpRequests.inc({ route, method: ctx.method, status: String(ctx.status) });
      metrics.httpDuration.observe({ route }, seconds);
      log.info('request', {
        requestId: state.requestId,
        method: ctx.method,
        route,
        status: ctx.status,
        durationMs: Math.round(seconds * 1000),
        cache: state.cache,
        path: state.path,
      });
    }
  };
}

/** Names the route for metrics before its handler runs. */
export function named(route: string) {
  return async (ctx: Context, next: Next) => {
    (ctx.state as RequestState).route = route;
    await next();
  };
}
