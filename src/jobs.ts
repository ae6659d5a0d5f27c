// The one orchestrator: resolve the source → detect → plan → run each step through the cache → record the result.
import { rm, writeFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import PQueue from 'p-queue';
import type { Cache, CacheHit, CacheMeta } from './cache.js';
import { cacheKey } from './cache.js';
import type { Converter, ResolvedTool } from './converters/converter.js';
import { runStep } from './converters/run-step.js';
import { detectFormat, type DetectHints } from './detect.js';
import { OmnicError, UnsupportedFormatError, type ErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { PlannedStep, Planner } from './plan.js';
import type { Queue, SingleFlight } from './queue.js';
import type { Target } from './typestring.js';

export type JobState = 'missing' | 'queued' | 'running' | 'done' | 'failed';

export interface JobResult {
  hit: CacheHit;
  mime: string;
  path: string[];
}

export interface SourceFetcher {
  /** With `leaveInMemory`, a source returned as `body` is not written to `dest`: the caller writes it. */
  fetchToFile(url: URL, dest: string, signal?: AbortSignal, options?: { leaveInMemory?: boolean }): Promise<{ contentType?: string; size: number; filename?: string; body?: Buffer }>;
}

export interface JobsDeps {
  cache: Cache;
  planner: Planner;
  /** The profile's scope (profileScope): part of every result key. */
  scope: string;
  queue: Queue;
  flights: SingleFlight;
  fetcher: SourceFetcher;
  tools: Record<string, ResolvedTool>;
  converters: readonly Converter[];
  metrics: Metrics;
  log: Logger;
  limits: { maxPixels: number; conversionTimeoutMs: number; failureTtlMs: number; concurrency: number };
  /** Aborted when the grace period after SIGTERM ends: running tools are killed. */
  shutdownSignal: AbortSignal;
}

/** Above this many bytes waiting in memory for the disk, answers wait for their writes (bounds memory on a slow disk). */
const WRITE_BEHIND_BYTES = 256 * 2 ** 20;
/** Step outputs larger than this are written before the answer and streamed from disk, not held in memory. */
const MEMORY_ANSWER_BYTES = 4 * 2 ** 20;

/** Failures worth remembering: the same input would fail the same way, so don't burn CPU on it again. */
const REMEMBERED: ErrorCode[] = ['input_rejected', 'conversion_timeout', 'unsupported_format', 'no_conversion_path', 'source_too_large'];

export type Jobs = ReturnType<typeof createJobs>;

/** A result entry as a job's result: its bytes' entry, its MIME type and conversion path. */
export function resultOf(hit: CacheHit): JobResult {
  return { hit, mime: hit.meta.mime, path: (hit.meta.path ?? '').split('>') };
}

/** The cache key of a finished result: what was asked for, of which source (a URL, or `sha256:` of an upload). */
export function resultKey(scope: string, target: Target, sourceId: string): string {
  return cacheKey('result', scope, target.canonical, sourceId);
}

export function createJobs(deps: JobsDeps) {
  const { cache, metrics } = deps;
  const states = new Map<string, 'queued' | 'running'>();
  const failures = new LRUCache<string, OmnicError>({ max: 10_000, ttl: Math.max(1, deps.limits.failureTtlMs) });
  const gates = new Map(deps.converters.map((c) => [c, new PQueue({ concurrency: c.concurrency ?? deps.limits.concurrency })]));

  /** Results already answered from memory whose files are still being written (see `writeBehind`). */
  const writing = new Map<string, JobResult>();
  /** Source and step entries handed on from memory while their files are written (see `storing`). */
  const provisional = new Map<string, CacheHit>();
  /** Every write still running after its answer, and the bytes they hold in memory. */
  const writes = new Set<Promise<void>>();
  let writingBytes = 0;

  async function lookup(key: string): Promise<JobResult | undefined> {
    const fresh = writing.get(key);
    if (fresh) return fresh;
    const hit = await cache.get(key, 'result');
    return hit && resultOf(hit);
  }

  /** Runs (or joins) the job for `key`, through the queue; `source` yields the cached source entry. */
  function run(key: string, target: Target, source: () => Promise<CacheHit>): Promise<JobResult> {
    const failed = failures.get(key);
    if (failed) return Promise.reject(failed);
    return deps.flights.run(key, async () => {
      states.set(key, 'queued');
      try {
        return await deps.queue.run(() => convert(key, target, source), () => states.set(key, 'running'));
      } catch (err) {
        if (err instanceof OmnicError && REMEMBERED.includes(err.code)) failures.set(key, err);
        throw err;
      } finally {
        states.delete(key);
      }
    });
  }

  async function convert(key: string, target: Target, source: () => Promise<CacheHit>): Promise<JobResult> {
    const cached = await lookup(key);
    if (cached) return cached;
    const src = await source();
    const plan = deps.planner.plan(src.meta.mime, src.objectKey, target);
    let current: CacheHit = src;
    const stored = [src.stored];
    for (const step of plan.steps) {
      current = await runCachedStep(step, current);
      stored.push(current.stored);
    }
    const result: JobResult = { hit: current, mime: target.format.mime, path: plan.names };
    const objectKey = current.objectKey;
    const pending = stored.filter((p): p is Promise<CacheHit> => !!p);
    // The result is recorded once every entry it came from is on disk.
    const record = async () => {
      await Promise.all(pending);
      await cache.putRef(key, objectKey, { layer: 'result', mime: target.format.mime, path: plan.names.join('>'), source: src.meta.source });
    };
    // Nothing in flight, or more bytes waiting for the disk than memory should hold (a slow disk): write, then answer.
    if (!pending.length || writingBytes > WRITE_BEHIND_BYTES) await record();
    else writeBehind(key, result, record);
    return result;
  }

  /** Runs `write` after the answer; meanwhile lookups of `key` get `result`. A failure costs the cache entry, not the response. */
  function writeBehind(key: string, result: JobResult, write: () => Promise<void>): void {
    writing.set(key, result);
    const done = write().catch((err: unknown) => {
      deps.log.warn('cache write failed; the result will be converted again when asked for', { err: String(err) });
    });
    track(done, () => writing.delete(key));
  }

  /** Counts a write in `writes` (for settled()) until it ends, then runs `after`. */
  function track(done: Promise<void>, after: () => void): void {
    writes.add(done);
    void done.finally(() => {
      writes.delete(done);
      after();
    });
  }

  /**
   * An entry whose bytes are in memory, handed on at once while they are written to `temp` and moved into the cache.
   * Until then, single-flight joiners and later lookups of `key` get it from memory too.
   */
  function storing(key: string, temp: string, meta: Omit<CacheMeta, 'size' | 'created'>, bytes: Buffer): CacheHit {
    const stored = (async () => {
      await writeFile(temp, bytes);
      return cache.put(key, temp, meta, bytes);
    })();
    const hit: CacheHit = { key, objectKey: key, file: temp, size: bytes.length, meta: { ...meta, size: bytes.length, created: Date.now() }, body: bytes, stored };
    provisional.set(key, hit);
    writingBytes += bytes.length;
    // Awaited by the steps that need the file and by the result's record; a failure is reported there.
    const done = stored.then(
      () => {},
      () => rm(temp, { force: true }).catch(() => {}),
    );
    track(done, () => {
      writingBytes -= bytes.length;
      if (provisional.get(key) === hit) provisional.delete(key);
    });
    return hit;
  }

  /** A cached entry, or one still being written from memory. */
  async function cached(key: string, layer: 'source' | 'step'): Promise<CacheHit | undefined> {
    return provisional.get(key) ?? (await cache.get(key, layer));
  }

  function runCachedStep(step: PlannedStep, input: CacheHit): Promise<CacheHit> {
    return deps.flights.run(`step:${step.key}`, async () => {
      const hit = await cached(step.key, 'step');
      if (hit) {
        metrics.cacheHits.inc({ layer: 'step' });
        return hit;
      }
      metrics.cacheMisses.inc({ layer: 'step' });
      const { converter, from, to } = step.edge;
      // A converter that reads bytes starts from memory; the others wait for the input's file to be in the cache.
      const onDisk = input.stored && !(converter.readsBytes && input.body) ? await input.stored : input;
      const output = cache.tempPath();
      const timer = metrics.conversionDuration.startTimer({ converter: converter.name });
      try {
        const convertStep = () =>
          runStep(converter, { tools: deps.tools, onToolFailure: (name, err) => deps.log.warn('tool failed', { converter: name, command: err.command, exitCode: err.exitCode, signal: err.signalName, stderr: err.stderr.slice(0, 2000) }) }, {
            input: onDisk.file,
            inputBytes: input.body,
            from,
            to,
            options: step.options,
            resize: step.resize,
            output,
            tmpDir: cache.tmpDir,
            timeoutMs: deps.limits.conversionTimeoutMs,
            signal: deps.shutdownSignal,
            limits: { maxPixels: deps.limits.maxPixels },
            keepBytes: true,
          });
        // The input stays on disk for the step even if the cache evicts it meanwhile.
        const bytes = await gates.get(converter)!.add(() => cache.withPinned(input.objectKey, convertStep));
        metrics.conversions.inc({ converter: converter.name, from, to, outcome: 'ok' });
        // Steps carry their source URL too, so `omnic cache clear <url>` cannot leave stale outputs behind.
        const meta = { layer: 'step' as const, mime: to, source: input.meta.source };
        if (!bytes) return await cache.put(step.key, output, meta);
        const written = storing(step.key, output, meta, bytes);
        // A large output (png:4000x of a big photo) is written before the answer and then streamed from disk.
        if (bytes.length > MEMORY_ANSWER_BYTES) {
          const { body: _, ...onDisk } = await written.stored!;
          return onDisk;
        }
        return written;
      } catch (err) {
        metrics.conversions.inc({ converter: converter.name, from, to, outcome: err instanceof OmnicError ? err.code : 'error' });
        await rm(output, { force: true });
        throw err;
      } finally {
        timer();
      }
    });
  }

  /** Downloads (once, shared) and detects a URL source, cached under the URL. */
  function urlSource(url: URL): () => Promise<CacheHit> {
    const key = cacheKey('source', url.href);
    return () =>
      deps.flights.run(`source:${key}`, async () => {
        const hit = await cached(key, 'source');
        if (hit) {
          metrics.cacheHits.inc({ layer: 'source' });
          return hit;
        }
        metrics.cacheMisses.inc({ layer: 'source' });
        const temp = cache.tempPath();
        try {
          const download = await deps.fetcher.fetchToFile(url, temp, deps.shutdownSignal, { leaveInMemory: true });
          metrics.sourceDownloads.inc({ outcome: 'ok' });
          metrics.sourceBytes.inc(download.size);
          return await storeSource(key, temp, { filename: download.filename ?? url.pathname, contentType: download.contentType }, url.href, download.body);
        } catch (err) {
          metrics.sourceDownloads.inc({ outcome: err instanceof OmnicError ? err.code : 'error' });
          await rm(temp, { force: true });
          throw err;
        }
      });
  }

  async function storeSource(key: string, file: string, hints: DetectHints, source?: string, bytes?: Buffer): Promise<CacheHit> {
    const { format, evidence } = await detectFormat(file, hints, bytes);
    if (!format) {
      throw new UnsupportedFormatError(`omnic does not recognise this source (its bytes say ${evidence}). GET /formats lists the input types.`);
    }
    const meta = { layer: 'source' as const, mime: format.mime, filename: hints.filename, contentType: hints.contentType, source };
    // Detected from memory: the steps may start while the file is written and moved into the cache.
    return bytes ? storing(key, file, meta, bytes) : cache.put(key, file, meta);
  }

  return {
    /** Resolves once every cache write still running after its answer has finished (shutdown, tests). */
    async settled(): Promise<void> {
      while (writes.size) await Promise.all(writes);
    },
    resultKey: (target: Target, sourceId: string) => resultKey(deps.scope, target, sourceId),
    lookup,
    /** See Cache.generation: lookups made under the same generation still hold. */
    generation: () => cache.generation(),
    touch: (key: string) => cache.touch(key),
    state(key: string): { state: JobState; error?: ErrorCode } {
      const running = states.get(key);
      if (running) return { state: running };
      const failed = failures.get(key);
      if (failed) return { state: 'failed', error: failed.code };
      return { state: 'missing' };
    },
    /** Starts or joins the conversion of a URL source. */
    fromUrl(target: Target, url: URL): { key: string; promise: Promise<JobResult> } {
      const key = resultKey(deps.scope, target, url.href);
      return { key, promise: run(key, target, urlSource(url)) };
    },
    /** Converts an uploaded file (already on disk in the cache's temp dir); keyed by its SHA-256. */
    fromUpload(target: Target, file: string, sha256: string, hints: DetectHints): Promise<JobResult> {
      const sourceKey = cacheKey('upload', sha256);
      const key = resultKey(deps.scope, target, `sha256:${sha256}`);
      const source = () =>
        deps.flights.run(`source:${sourceKey}`, async () => (await cache.get(sourceKey, 'source')) ?? storeSource(sourceKey, file, hints));
      return run(key, target, source);
    },
    failure(key: string): OmnicError | undefined {
      return failures.get(key);
    },
  };
}

