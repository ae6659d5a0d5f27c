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

/** A profile refusing a source: 415 when it accepts no such input type, 422 when it has no path to the target. */
export function assertRefused(reply: Reply): void {
  const codes: Record<number, string> = { 415: 'unsupported_format', 422: 'no_conversion_path' };
  assert.ok(reply.status in codes, `expected 415 or 422, got ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`);
  assert.equal(reply.json().error, codes[reply.status]);
}
