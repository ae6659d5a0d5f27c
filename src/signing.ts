// URL signing (DESIGN §7): base64url HMAC-SHA256 of "<canonical typestring>\n<url>\n<exp or empty>", key rotation, expiry.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadSignatureError } from './errors.js';
import { parseTypestring } from './typestring.js';

export function signature(key: string, canonicalTypestring: string, url: string, exp?: number | string): string {
  return createHmac('sha256', key).update(`${canonicalTypestring}\n${url}\n${exp ?? ''}`).digest('base64url');
}

export interface SignOptions {
  typestring: string;
  url: string;
  key: string;
  /** Unix seconds after which the URL is refused. */
  exp?: number;
  /** Prefix such as https://omnic.example.com; default: a path only. */
  base?: string;
}

/** The signed /media path (or URL, with `base`) for a typestring and source URL. */
export function signMediaUrl(options: SignOptions): string {
  const canonical = parseTypestring(options.typestring).canonical;
  const params = new URLSearchParams({ url: options.url });
  if (options.exp !== undefined) params.set('exp', String(options.exp));
  params.set('sig', signature(options.key, canonical, options.url, options.exp));
  return `${(options.base ?? '').replace(/\/+$/, '')}/media/${canonical}/?${params}`;
}

/** Throws BadSignatureError unless `sig` matches under some key and `exp` (if any) is in the future. */
export function verifySignature(keys: readonly string[], canonical: string, url: string, sig: string | undefined, exp: string | undefined, nowSeconds = Date.now() / 1000): void {
  if (!sig) throw new BadSignatureError('This omnic requires signed URLs: add sig (see `omnic sign`).');
  if (exp !== undefined && exp !== '') {
    if (!/^\d+$/.test(exp)) throw new BadSignatureError('exp must be a unix time in seconds.');
    if (Number(exp) < nowSeconds) throw new BadSignatureError('This signed URL has expired; sign it again with a later exp.');
  }
  const given = Buffer.from(sig, 'base64url');
  const ok = keys.some((key) => {
    const expected = Buffer.from(signature(key, canonical, url, exp || undefined), 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok) throw new BadSignatureError('The signature does not match this typestring and url; sign the canonical typestring with a current key.');
}
