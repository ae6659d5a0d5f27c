// signature, signMediaUrl and verifySignature: the DESIGN §7 test vector, canonical typestrings, rotation, expiry, garbage.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { BadSignatureError } from '../../src/errors.js';
import { signature, signMediaUrl, verifySignature } from '../../src/signing.js';

const KEY = 'omnic-test-key';
const TYPESTRING = 'thumb.webp:300x200';
const URL_ = 'https://files.example.com/q3-report.docx';
const EXP = 1893456000;

/** Asserts verifySignature refuses with a 403 bad_signature whose message matches and never leaks `secrets`. */
function refuses(call: () => void, pattern: RegExp, secrets: string[] = []): void {
  assert.throws(call, (err: unknown) => {
    assert.ok(err instanceof BadSignatureError, `not a BadSignatureError: ${err}`);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'bad_signature');
    assert.match(err.message, pattern);
    for (const secret of secrets) assert.ok(!err.message.includes(secret), 'the message leaks a secret or the expected signature');
    return true;
  });
}

describe('signature', () => {
  it('matches the fixed test vector', () => {
    assert.equal(signature(KEY, TYPESTRING, URL_), 'xaixjGMLuS24CCUnlJz5lMKu3pVps91vu0kRSmHV_0U');
    assert.equal(signature(KEY, TYPESTRING, URL_, ''), 'xaixjGMLuS24CCUnlJz5lMKu3pVps91vu0kRSmHV_0U');
  });

  it('with exp, equals an HMAC-SHA256 computed independently, base64url without padding', () => {
    const expected = createHmac('sha256', KEY).update(`${TYPESTRING}\n${URL_}\n${EXP}`).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    assert.equal(signature(KEY, TYPESTRING, URL_, EXP), expected);
    assert.equal(signature(KEY, TYPESTRING, URL_, String(EXP)), expected);
    assert.match(expected, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(expected, signature(KEY, TYPESTRING, URL_));
  });

  it('changes with the key, the typestring and the url', () => {
    const base = signature(KEY, TYPESTRING, URL_);
    assert.notEqual(signature('other-key', TYPESTRING, URL_), base);
    assert.notEqual(signature(KEY, 'thumb.webp:300x201', URL_), base);
    assert.notEqual(signature(KEY, TYPESTRING, `${URL_}?v=2`), base);
  });
});

describe('signMediaUrl', () => {
  it('signs the canonical typestring, whatever form it is given in', () => {
    const path = signMediaUrl({ typestring: 'THUMB.WEBP:300X200', url: URL_, key: KEY });
    assert.equal(path, `/media/thumb.webp:300x200/?url=${encodeURIComponent(URL_)}&sig=xaixjGMLuS24CCUnlJz5lMKu3pVps91vu0kRSmHV_0U`);
    const reordered = signMediaUrl({ typestring: 'thumb.webp:q=70,fit=contain,300x200', url: URL_, key: KEY });
    assert.ok(reordered.startsWith('/media/thumb.webp:300x200,fit=contain,q=70/?'));
    const sig = new URL(reordered, 'http://omnic.test').searchParams.get('sig')!;
    assert.equal(sig, signature(KEY, 'thumb.webp:300x200,fit=contain,q=70', URL_));
  });

  it('adds exp and a base, and the parts round-trip through verifySignature', () => {
    const signed = signMediaUrl({ typestring: 'png', url: URL_, key: KEY, exp: EXP, base: 'https://omnic.example.com/' });
    assert.ok(signed.startsWith('https://omnic.example.com/media/png/?'));
    const params = new URL(signed).searchParams;
    assert.equal(params.get('url'), URL_);
    assert.equal(params.get('exp'), String(EXP));
    verifySignature([KEY], 'png', params.get('url')!, params.get('sig')!, params.get('exp')!, EXP - 10);
  });

  it('refuses a bad typestring before signing', () => {
    assert.throws(() => signMediaUrl({ typestring: 'png:zoom=2', url: URL_, key: KEY }), /Unknown option "zoom"/);
  });
});

describe('verifySignature', () => {
  const sig = signature(KEY, TYPESTRING, URL_);

  it('accepts a correct signature, with or without an empty exp', () => {
    verifySignature([KEY], TYPESTRING, URL_, sig, undefined);
    verifySignature([KEY], TYPESTRING, URL_, sig, '');
  });

  it('tries every key (rotation): an old key still verifies, an unknown one does not', () => {
    const old = signature('previous-key', TYPESTRING, URL_);
    verifySignature(['current-key', 'previous-key'], TYPESTRING, URL_, old, undefined);
    refuses(() => verifySignature(['current-key'], TYPESTRING, URL_, old, undefined), /does not match/, [sig, 'current-key']);
  });

  it('refuses a missing signature, naming omnic sign', () => {
    refuses(() => verifySignature([KEY], TYPESTRING, URL_, undefined, undefined), /requires signed URLs.*omnic sign/);
    refuses(() => verifySignature([KEY], TYPESTRING, URL_, '', undefined), /requires signed URLs/);
  });

  it('refuses a tampered typestring or url without revealing the expected signature', () => {
    refuses(() => verifySignature([KEY], 'thumb.webp:3000x2000', URL_, sig, undefined), /does not match/, [signature(KEY, 'thumb.webp:3000x2000', URL_), KEY]);
    refuses(() => verifySignature([KEY], TYPESTRING, 'https://files.example.com/other.docx', sig, undefined), /does not match/);
  });

  it('refuses garbage, truncated and over-long signatures', () => {
    for (const bad of ['!!!', 'not-a-signature', sig.slice(0, 20), `${sig}AAAA`, sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))]) {
      refuses(() => verifySignature([KEY], TYPESTRING, URL_, bad, undefined), /does not match/);
    }
  });

  it('honours exp: in the future passes, in the past is refused, a non-number is refused', () => {
    const withExp = signature(KEY, TYPESTRING, URL_, EXP);
    verifySignature([KEY], TYPESTRING, URL_, withExp, String(EXP), EXP - 1);
    refuses(() => verifySignature([KEY], TYPESTRING, URL_, withExp, String(EXP), EXP + 1), /expired/);
    refuses(() => verifySignature([KEY], TYPESTRING, URL_, withExp, 'tomorrow', 0), /exp must be a unix time/);
    // exp is signed: moving it later breaks the signature.
    refuses(() => verifySignature([KEY], TYPESTRING, URL_, withExp, String(EXP + 3600), EXP), /does not match/);
    // A signature made without exp does not verify once an exp is added to the URL.
    refuses(() => verifySignature([KEY], TYPESTRING, URL_, sig, String(EXP), EXP - 1), /does not match/);
  });

  it('an expired URL is refused even with no key configured to match', () => {
    refuses(() => verifySignature(['x'], TYPESTRING, URL_, 'abc', '1', 2), /expired/);
  });
});
