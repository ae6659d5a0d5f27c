// parseTypestring: formats, sizes, every option and its bounds, canonical form, pixel limits, error messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../src/errors.js';
import { DEFAULT_THUMB_SIZE, isSized, MAX_SIDE, outputBox, parseTypestring } from '../../src/typestring.js';

/** Asserts a 400 whose message matches `pattern`. */
function rejects(input: string, pattern: RegExp): void {
  assert.throws(
    () => parseTypestring(input),
    (err: unknown) => err instanceof InvalidRequestError && err.status === 400 && pattern.test(err.message),
    `expected "${input}" to be refused with ${pattern}`,
  );
}

describe('formats', () => {
  it('accepts an extension, a MIME type, min.js and thumb.<ext>', () => {
    assert.equal(parseTypestring('png').format.mime, 'image/png');
    assert.equal(parseTypestring('image/png').format.mime, 'image/png');
    assert.equal(parseTypestring('image/png').canonical, 'png');
    assert.equal(parseTypestring('pdf').format.mime, 'application/pdf');
    const min = parseTypestring('min.js');
    assert.equal(min.format.mime, 'text/x-minified-javascript');
    assert.equal(min.canonical, 'min.js');
    assert.equal(parseTypestring('js').format.mime, 'text/javascript');
    const thumb = parseTypestring('thumb.webp:300x200');
    assert.equal(thumb.thumb, true);
    assert.equal(thumb.format.mime, 'image/webp');
  });

  it('a MIME type with options keeps its slash out of the option split', () => {
    const target = parseTypestring('image/webp:100x50,q=40');
    assert.equal(target.format.mime, 'image/webp');
    assert.equal(target.width, 100);
    assert.equal(target.options.q, 40);
    assert.equal(target.canonical, 'webp:100x50,q=40');
  });

  it('is case-insensitive and canonicalises to lower case with the canonical extension', () => {
    assert.equal(parseTypestring('PNG').canonical, 'png');
    assert.equal(parseTypestring('JPEG').canonical, 'jpg');
    assert.equal(parseTypestring('Thumb.JPEG:100X100,FIT=Contain').canonical, 'thumb.jpg:100x100,fit=contain');
    assert.equal(parseTypestring('IMAGE/PNG').format.mime, 'image/png');
    assert.equal(parseTypestring('tif').canonical, 'tiff');
  });

  it('refuses an unknown format, naming it and how to list formats', () => {
    rejects('banana', /Unknown format "banana".*\/formats/);
    rejects('thumb.banana', /Unknown format "banana"/);
    rejects('image/banana', /Unknown format "image\/banana"/);
    rejects('', /empty/);
  });

  it('a malformed %-escape is a 400, not an internal error', () => {
    // Koa's router has already decoded the path once, so /media/png%25/ arrives here as "png%".
    rejects('png%', /typestring/i);
    rejects('png:bg=%zz', /typestring/i);
  });

  it('ignores a trailing slash and URL encoding', () => {
    assert.equal(parseTypestring('png/').canonical, 'png');
    assert.equal(parseTypestring('thumb.png%3A64x64').canonical, 'thumb.png:64x64');
  });
});

describe('sizes', () => {
  it('WxH, Wx and xH', () => {
    const both = parseTypestring('png:300x200');
    assert.deepEqual([both.width, both.height], [300, 200]);
    const width = parseTypestring('png:300x');
    assert.deepEqual([width.width, width.height], [300, undefined]);
    assert.equal(width.canonical, 'png:300x');
    const height = parseTypestring('png:x200');
    assert.deepEqual([height.width, height.height], [undefined, 200]);
    assert.equal(height.canonical, 'png:x200');
    assert.ok(isSized(height));
    assert.ok(!isSized(parseTypestring('png')));
  });

  it('a thumbnail without a size gets the default square', () => {
    const thumb = parseTypestring('thumb.png');
    assert.equal(DEFAULT_THUMB_SIZE, 200);
    assert.deepEqual([thumb.width, thumb.height], [DEFAULT_THUMB_SIZE, DEFAULT_THUMB_SIZE]);
    assert.equal(thumb.canonical, 'thumb.png:200x200');
    // A thumbnail with one side keeps it: no default fills the other.
    assert.deepEqual([parseTypestring('thumb.png:120x').width, parseTypestring('thumb.png:120x').height], [120, undefined]);
  });

  it('refuses an empty size, zero and non-numbers', () => {
    rejects('png:x', /names no side/);
    rejects('png:0x100', /width="0".*1 to 8192/);
    rejects('png:100x-5', /neither a size/);
    rejects('png:big', /neither a size.*Options: bg, dpr, fit, page, q, t/);
  });

  it('refuses a side over 8192 px, naming the limit', () => {
    assert.equal(MAX_SIDE, 8192);
    assert.equal(parseTypestring('png:8192x8192').width, 8192);
    rejects('png:8193x100', /8192/);
    rejects('png:100x9000', /8192/);
  });

  it('refuses an output over 8192 px reached through dpr, naming the limit', () => {
    rejects('png:3000x100,dpr=3', /width 3000×3 exceeds 8192 px/);
    rejects('thumb.png:100x4000,dpr=2.5', /height 4000×2.5 exceeds 8192 px/);
    const ok = parseTypestring('png:2730x100,dpr=3');
    assert.deepEqual(outputBox(ok), { width: 8190, height: 300 });
  });
});

describe('options', () => {
  it('fit: cover, contain, inside; anything else lists the valid values', () => {
    for (const fit of ['cover', 'contain', 'inside'] as const) assert.equal(parseTypestring(`png:fit=${fit}`).options.fit, fit);
    assert.equal(parseTypestring('png:fit=COVER').options.fit, 'cover');
    rejects('png:fit=fill', /fit="fill".*cover, contain, inside/);
  });

  it('q: 1..100 whole numbers', () => {
    assert.equal(parseTypestring('jpg:q=1').options.q, 1);
    assert.equal(parseTypestring('jpg:q=100').options.q, 100);
    rejects('jpg:q=0', /q="0".*1 to 100/);
    rejects('jpg:q=101', /q="101".*1 to 100/);
    rejects('jpg:q=50.5', /q="50.5"/);
    rejects('jpg:q=', /q=""/);
  });

  it('page: whole numbers from 1', () => {
    assert.equal(parseTypestring('png:page=3').options.page, 3);
    rejects('png:page=0', /page="0"/);
    rejects('png:page=-1', /page="-1"/);
    rejects('png:page=two', /page="two"/);
  });

  it('t: seconds from 0 to a day, fractions allowed', () => {
    assert.equal(parseTypestring('png:t=0').options.t, 0);
    assert.equal(parseTypestring('png:t=12.5').options.t, 12.5);
    assert.equal(parseTypestring('png:t=86400').options.t, 86400);
    rejects('png:t=86401', /t="86401".*0 to 86400/);
    rejects('png:t=-1', /t="-1"/);
    rejects('png:t=1e3', /t="1e3"/);
  });

  it('bg: 3, 6 or 8 hex digits, with or without #, stored lower-case without #', () => {
    assert.equal(parseTypestring('jpg:bg=FFF').options.bg, 'fff');
    assert.equal(parseTypestring('jpg:bg=%23FF0000').options.bg, 'ff0000');
    assert.equal(parseTypestring('jpg:bg=ff000080').options.bg, 'ff000080');
    rejects('jpg:bg=red', /bg="red".*hex colour/);
    rejects('jpg:bg=ffff', /bg="ffff"/);
  });

  it('dpr: 1..3, fractions allowed; it scales the output box', () => {
    assert.equal(parseTypestring('png:dpr=1').options.dpr, 1);
    assert.equal(parseTypestring('png:dpr=3').options.dpr, 3);
    assert.deepEqual(outputBox(parseTypestring('thumb.png:100x50,dpr=1.5')), { width: 150, height: 75 });
    rejects('png:dpr=0.5', /dpr="0.5".*1 to 3/);
    rejects('png:dpr=4', /dpr="4".*1 to 3/);
  });

  it('an unknown option is refused with the list of valid ones', () => {
    rejects('png:w=100', /Unknown option "w"\. Valid options: bg, dpr, fit, page, q, t\./);
    rejects('png:quality=80', /Unknown option "quality"/);
  });
});

describe('canonical form', () => {
  it('puts the size first and sorts options, whatever the order given', () => {
    const a = parseTypestring('thumb.webp:q=70,fit=contain,300x200');
    const b = parseTypestring('THUMB.WEBP:300X200,FIT=contain,Q=70');
    assert.equal(a.canonical, 'thumb.webp:300x200,fit=contain,q=70');
    assert.equal(b.canonical, a.canonical);
    assert.equal(parseTypestring('png:t=1,page=2,dpr=2,bg=000,q=5,fit=cover,10x10').canonical, 'png:10x10,bg=000,dpr=2,fit=cover,page=2,q=5,t=1');
  });

  it('is a fixed point: parsing the canonical form gives it back', () => {
    for (const input of ['thumb.webp:300x200,fit=contain,q=70', 'image/jpeg:x40,bg=#ABC', 'min.js', 'png:page=3', 'thumb.gif']) {
      const canonical = parseTypestring(input).canonical;
      assert.equal(parseTypestring(canonical).canonical, canonical);
    }
  });

  it('the last size wins when two are given', () => {
    assert.equal(parseTypestring('png:10x10,20x30').canonical, 'png:20x30');
  });
});
