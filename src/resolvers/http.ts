// Downloads a source over HTTP(S) under the egress policy: guarded connects, manual redirects, byte cap while streaming, deadlines.
import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import contentDisposition from 'content-disposition';
import { Agent, type Dispatcher } from 'undici';
import { OmnicError, SourceTooLargeError, SourceUnavailableError } from '../errors.js';
import { createEgressGuard, EgressDeniedError, guardedConnector, type TestNetwork } from './guard.js';
import { OMNIC_VERSION } from '../version.js';

export interface EgressPolicy {
  allowedHosts: string[];
  allowPrivateNetworks: boolean;
  maxSourceBytes: number;
  downloadTimeoutMs: number;
  maxRedirects: number;
}

export interface Download {
  finalUrl: string;
  /** The response's MIME essence (lower-case, no parameters). */
  contentType?: string;
  size: number;
  /** file name hint: from Content-Disposition or the final URL's path */
  filename?: string;
  /** The bytes, when the source was small enough to be read into memory (in `dest` too, unless `leaveInMemory`). */
  body?: Buffer;
}

export interface FetchOptions {
  /** A source read into memory is returned as `body` only, and `dest` is left for the caller to write. */
  leaveInMemory?: boolean;
}

export interface HttpResolverOptions {
  userAgent?: string;
  /** Called with a bounded reason label each time the guard refuses a download, a redirect hop or a connect. */
  onConnectRefused?: (reason: string) => void;
  testNetwork?: TestNetwork;
}

export interface HttpResolver {
  /** Streams the body to `dest` (a path the caller chooses; write it fully or delete it); throws the §1.4 errors. */
  fetchToFile(url: URL, dest: string, signal?: AbortSignal, options?: FetchOptions): Promise<Download>;
  /** Checks the URL's host against the allow-list and literal IPs against the address policy without connecting (used before queueing work). */
  precheck(url: URL): void;
  close(): Promise<void>;
}

/** Sources up to this size (by Content-Length) are downloaded into memory; larger or unsized ones stream to disk. */
const IN_MEMORY_BYTES = 16 * 2 ** 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function createHttpResolver(policy: EgressPolicy, options: HttpResolverOptions = {}): HttpResolver {
  const guard = createEgressGuard(policy);
  const connectTimeoutMs = Math.min(10_000, policy.downloadTimeoutMs);
  const agent = new Agent({
    connect: guardedConnector(guard, connectTimeoutMs, options.testNetwork),
    headersTimeout: policy.downloadTimeoutMs,
    bodyTimeout: policy.downloadTimeoutMs,
  });
  // Only these headers go upstream: nothing from the client is forwarded, and identity keeps the byte cap honest.
  const headers = { 'user-agent': options.userAgent ?? `omnic/${OMNIC_VERSION}`, accept: '*/*', 'accept-encoding': 'identity' };

  async function open(url: URL, signal: AbortSignal): Promise<{ res: Dispatcher.ResponseData; url: URL }> {
    for (let hop = 0, current = url; ; hop++) {
      guard.checkUrl(current);
      const res = await agent.request({ origin: current.origin, path: current.pathname + current.search, method: 'GET', headers, signal });
      if (!REDIRECT_STATUSES.has(res.statusCode)) return { res, url: current };
      await res.body.dump({ limit: 65_536 }).catch(() => undefined);
      if (hop >= policy.maxRedirects) {
        throw new SourceUnavailableError(`The source redirected more than ${policy.maxRedirects} times (OMNIC_MAX_REDIRECTS); link to the final location instead.`);
      }
      current = nextHop(current, res.headers.location);
    }
  }

  async function fetchToFile(url: URL, dest: string, signal?: AbortSignal, fetchOptions: FetchOptions = {}): Promise<Download> {
    const deadline = AbortSignal.timeout(policy.downloadTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      const { res, url: finalUrl } = await open(url, combined);
      return await save(res, finalUrl, dest, policy.maxSourceBytes, fetchOptions);
    } catch (err) {
      await rm(dest, { force: true });
      if (err instanceof EgressDeniedError) options.onConnectRefused?.(err.reason);
      throw toSourceError(err, { deadline, signal, timeoutMs: policy.downloadTimeoutMs, connectTimeoutMs });
    }
  }

  return { fetchToFile, precheck: (url) => guard.checkUrl(url), close: () => agent.close() };
}

function nextHop(current: URL, location: string | string[] | undefined): URL {
  const target = Array.isArray(location) ? location[0] : location;
  if (!target) throw new SourceUnavailableError('The source answered a redirect without a Location header.');
  let next: URL;
  try {
    next = new URL(target, current);
  } catch {
    throw new SourceUnavailableError('The source redirected to an invalid URL.');
  }
  if (next.username || next.password) throw new SourceUnavailableError('The source redirected to a URL with credentials, which omnic does not follow.');
  next.hash = '';
  return next;
}

async function save(res: Dispatcher.ResponseData, url: URL, dest: string, maxBytes: number, options: FetchOptions): Promise<Download> {
  if (res.statusCode < 200 || res.statusCode > 299) {
    discard(res.body);
    throw new SourceUnavailableError(`The source answered HTTP ${res.statusCode}; check that the URL is correct and publicly readable.`);
  }
  const tooLarge = () => new SourceTooLargeError(`The source is larger than OMNIC_MAX_SOURCE_BYTES (${maxBytes} bytes).`);
  if (Number(res.headers['content-length']) > maxBytes) {
    discard(res.body);
    throw tooLarge();
  }
  const meta = () => ({ finalUrl: url.href, contentType: mimeEssence(res.headers['content-type']), filename: filenameHint(res.headers['content-disposition'], url) });
  // A source of known, modest size is read into memory and written once: no write per chunk, and the caller can
  // detect and convert it without reading the file back.
  const declared = Number(res.headers['content-length']);
  if (declared > 0 && declared <= IN_MEMORY_BYTES) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks, size);
    if (!options.leaveInMemory) await writeFile(dest, body);
    return { ...meta(), size, body };
  }
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      callback(size > maxBytes ? tooLarge() : null, size > maxBytes ? undefined : chunk);
    },
  });
  await pipeline(res.body, cap, createWriteStream(dest));
  return { ...meta(), size };
}

/** Drops a body we will not read; undici reports the destroy as an error, which nobody needs to hear. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function mimeEssence(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim().toLowerCase();
  return value || undefined;
}

function filenameHint(disposition: string | string[] | undefined, url: URL): string | undefined {
  let name: string | undefined;
  try {
    const value = Array.isArray(disposition) ? disposition[0] : disposition;
    if (value) name = contentDisposition.parse(value).parameters['filename'];
  } catch {
    // A malformed header is the server's problem; fall back to the URL path.
  }
  if (!name) {
    try {
      name = decodeURIComponent(posix.basename(url.pathname));
    } catch {
      name = posix.basename(url.pathname);
    }
  }
  // A hint for type detection only: never a path, never control characters.
  const clean = posix.basename(name.replaceAll('\\', '/')).replace(/[\u0000-\u001f\u007f]/g, '');
  return clean && clean !== '.' && clean !== '..' ? clean : undefined;
}

// Plain reasons for network failures; codes are safe to name, addresses and stderr are not.
const NETWORK_REASONS: [RegExp, string][] = [
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NODATA|EAI_FAIL|EAI_NONAME)$/, 'The source host name could not be resolved.'],
  [/^ECONNREFUSED$/, 'The source refused the connection.'],
  [/^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/, 'The source host is unreachable.'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)$/, 'The source closed the connection before the download finished.'],
  [/^HPE_/, 'The source sent an invalid HTTP response.'],
  [/^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|ERR_OSSL_)/, 'The TLS handshake with the source failed'],
];

/** Any download failure as a §1.4 error: 403/413/502 pass through, timeouts and network errors become 502. */
function toSourceError(err: unknown, ctx: { deadline: AbortSignal; signal?: AbortSignal; timeoutMs: number; connectTimeoutMs: number }): unknown {
  if (ctx.signal?.aborted) return ctx.signal.reason;
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  const known = chain.find((e) => e instanceof OmnicError);
  if (known) return known;
  // Writing `dest` failed: a local fault (disk full, bad path), not the source's; it stays a 500.
  if ((err as { path?: unknown }).path !== undefined) return err;
  const codes = chain.map((e) => String((e as { code?: unknown }).code ?? ''));
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT') && !ctx.deadline.aborted) {
    return new SourceUnavailableError(`Connecting to the source timed out after ${ctx.connectTimeoutMs} ms.`, err);
  }
  if (ctx.deadline.aborted || codes.some((c) => /^UND_ERR_(HEADERS|BODY)_TIMEOUT$/.test(c))) {
    return new SourceUnavailableError(`The source download timed out after ${ctx.timeoutMs} ms (OMNIC_DOWNLOAD_TIMEOUT_MS).`, err);
  }
  for (const code of codes) {
    const match = NETWORK_REASONS.find(([pattern]) => pattern.test(code));
    if (match) return new SourceUnavailableError(match[1].endsWith('.') ? match[1] : `${match[1]} (${code}).`, err);
  }
  return new SourceUnavailableError('The source download failed.', err);
}
