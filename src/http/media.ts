// GET/HEAD /media/<typestring>/?url=…: cached result, or wait up to OMNIC_WAIT_MS, then 202 with a placeholder.
import type { Context } from 'koa';
import { DrainingError, InvalidRequestError, NotFoundError } from '../errors.js';
import type { JobResult, Jobs } from '../jobs.js';
import type { Metrics } from '../metrics.js';
import type { Placeholders } from '../placeholder.js';
import { normalizeSourceUrl } from '../resolvers/source-url.js';
import { verifySignature } from '../signing.js';
import { contentTypeOf } from '../formats.js';
import { parseTypestring, type Target } from '../typestring.js';
import type { RequestState } from './middleware.js';
import { sendHit, setBody } from './send.js';

export interface MediaDeps {
  jobs: Jobs;
  metrics: Metrics;
  placeholders: Placeholders;
  precheck: (url: URL) => void;
  isDraining: () => boolean;
  signingKeys: readonly string[];
  waitMs: number;
  resultMaxAge: number;
}

const RETRY_AFTER_SECONDS = 2;

/** Pages on other origins read status=1 and the Resource Timing status of placeholders (omnic.js). */
export const CROSS_ORIGIN_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Timing-Allow-Origin': '*' };

export interface MediaRequest {
  target: Target;
  url: URL;
  key: string;
}

/** Validates a /media request (typestring, url, signature, egress pre-check) and names its result. */
export function resolveMedia(deps: Pick<MediaDeps, 'precheck' | 'signingKeys'> & { jobs: Pick<Jobs, 'resultKey'> }, typestring: string, query: Record<string, string | string[] | undefined>): MediaRequest {
  const target = parseTypestring(typestring);
  const rawUrl = single(query.url);
  if (!rawUrl) throw new InvalidRequestError('Missing url: add ?url=<http(s) URL of the source>.');
  if (deps.signingKeys.length) verifySignature(deps.signingKeys, target.canonical, rawUrl, single(query.sig), single(query.exp));
  const url = normalizeSourceUrl(rawUrl);
  deps.precheck(url);
  return { target, url, key: deps.jobs.resultKey(target, url.href) };
}

export function mediaHandler(deps: MediaDeps) {
  return async (ctx: Context) => {
    const state = ctx.state as RequestState;
    ctx.set(CROSS_ORIGIN_HEADERS);
    const { target, url, key } = resolveMedia(deps, String(ctx.params.rest ?? ''), ctx.query);
    const done = await deps.jobs.lookup(key);
    if (flag(ctx.query.status)) return sendStatus(ctx, deps, key, done);
    if (flag(ctx.query.just_checking)) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { url: ctx.href, ready: !!done };
      return;
    }
    if (done) {
      deps.metrics.cacheHits.inc({ layer: 'result' });
      state.cache = 'hit';
      return send(ctx, deps, done, state);
    }
    if (ctx.method === 'HEAD') return headWithoutWork(ctx, deps, key, target);
    if (deps.isDraining()) throw new DrainingError(RETRY_AFTER_SECONDS);
    deps.metrics.cacheMisses.inc({ layer: 'result' });
    const job = deps.jobs.fromUrl(target, url);
    job.promise.catch(() => {}); // the 202 path answers before the job settles
    const result = await Promise.race([job.promise, delay(deps.waitMs)]);
    if (result) {
      state.cache = 'miss';
      return send(ctx, deps, result, state);
    }
    await sendPlaceholder(ctx, deps, target, deps.jobs.state(key).state);
  };
}

function send(ctx: Context, deps: MediaDeps, result: JobResult, state: RequestState): Promise<void> {
  state.path = result.path.join('>');
  return sendHit(ctx, result.hit, { mime: result.mime, path: result.path, maxAge: deps.resultMaxAge });
}

function sendStatus(ctx: Context, deps: MediaDeps, key: string, done: JobResult | undefined): void {
  ctx.set('Cache-Control', 'no-store');
  if (done) {
    ctx.body = { state: 'done', ready: true, path: done.path };
    return;
  }
  const { state, error } = deps.jobs.state(key);
  ctx.body = { state, ready: false, path: [], ...(error ? { error } : {}) };
}

async function headWithoutWork(ctx: Context, deps: MediaDeps, key: string, target: Target): Promise<void> {
  const { state } = deps.jobs.state(key);
  if (state === 'queued' || state === 'running') return sendPlaceholder(ctx, deps, target, state);
  // A remembered failure: HEAD reports what GET would answer.
  const failure = state === 'failed' ? deps.jobs.failure(key) : undefined;
  if (failure) throw failure;
  ctx.set('X-Omnic-State', 'missing');
  throw new NotFoundError('Not converted yet; HEAD never starts work. GET this URL to start the conversion.');
}

async function sendPlaceholder(ctx: Context, deps: MediaDeps, target: Target, state: string): Promise<void> {
  (ctx.state as RequestState).cache = 'placeholder';
  ctx.status = 202;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.set('X-Omnic-State', state);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.type = contentTypeOf(target.format.mime);
  const body = await deps.placeholders.body(target);
  await setBody(ctx, body.length, () => body);
  ctx.status = 202;
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function flag(value: string | string[] | undefined): boolean {
  const v = single(value);
  return v !== undefined && v !== '0' && v !== 'false';
}
