// Small fetch wrappers for the suites: status, headers and the whole body as bytes.
import assert from 'node:assert/strict';

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(180_000) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
}

/** The /media URL for a typestring and a source URL. */
export function mediaUrl(base: string, typestring: string, source: string): string {
  return `${base}/media/${typestring}/?${new URLSearchParams({ url: source })}`;
}

/** Asserts an error reply carries the given status and the JSON error code the DESIGN table pairs with it. */
export function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, `expected ${status} ${code}, got ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`);
  assert.equal(reply.json().error, code);
}

/** A built-in profile refusing a known source type: 422 no_conversion_path (they accept every input type; their converters decide). */
export function assertRefused(reply: Reply): void {
  assert.equal(reply.status, 422, `expected 422, got ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`);
  assert.equal(reply.json().error, 'no_conversion_path');
}
