// Parses the `url` parameter into its canonical http(s) URL (scheme defaulted, credentials refused, fragment dropped).
import { InvalidRequestError } from '../errors.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
// `example.com:8080/x` and `localhost:3000` look like a scheme followed by a port: they are hosts without a scheme.
const HOST_AND_PORT = /^[^:/?#]+:\d+(?:[/?#]|$)/;

/**
 * The WHATWG parser does the canonicalising: lower-case host, IDN to punycode, IPv4 in any
 * encoding (2130706433, 0x7f000001, 0177.0.0.1, 127.1) to dotted decimal, IPv6 compressed,
 * default port dropped. The guard then only ever sees one spelling of each address.
 */
export function normalizeSourceUrl(raw: string): URL {
  const text = raw.trim();
  if (!text) throw new InvalidRequestError('The url parameter is required: an http or https URL of the source file.');
  const withScheme = text.startsWith('//') ? `https:${text}` : SCHEME.test(text) && !HOST_AND_PORT.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidRequestError('The url parameter is not a valid URL; pass an http or https URL, percent-encoded as a query value.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidRequestError(`The url parameter uses the scheme "${url.protocol.slice(0, -1)}"; only http and https are allowed.`);
  }
  if (url.username || url.password) {
    throw new InvalidRequestError('The url parameter must not contain credentials (user:password@); omnic only fetches public URLs.');
  }
  if (!url.hostname) throw new InvalidRequestError('The url parameter has no host name.');
  // The fragment never reaches the server, so it must not split the cache or the signature.
  url.hash = '';
  return url;
}
