// The format table: lookups by MIME, alias, extension and file name; content types; every converter edge names a known format.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONVERTER_FACTORIES } from '../../src/converters/index.js';
import { canonicalExt, contentTypeOf, formatByExt, formatByFilename, formatByMime, FORMATS } from '../../src/formats.js';

describe('format table', () => {
  it('has one entry per MIME type and extension, each canonical MIME lower-case type/subtype', () => {
    const mimes = FORMATS.map((f) => f.mime);
    assert.equal(new Set(mimes).size, mimes.length);
    const exts = FORMATS.flatMap((f) => f.exts);
    assert.equal(new Set(exts).size, exts.length);
    for (const format of FORMATS) {
      assert.match(format.mime, /^[a-z]+\/[a-z0-9.+-]+$/, format.mime);
      assert.ok(format.exts.length > 0, `${format.mime} has no extension`);
      for (const ext of format.exts) assert.equal(ext, ext.toLowerCase());
    }
  });

  it('every container named for refinement is itself a known type or a generic one', () => {
    const generic = new Set(['application/xml', 'application/x-cfb', 'text/plain', 'application/ogg']);
    for (const format of FORMATS) {
      for (const container of format.containers ?? []) {
        assert.ok(generic.has(container) || formatByMime(container), `${format.mime} refines unknown ${container}`);
      }
    }
  });

  it('every edge of every registered converter is between known canonical MIME types', () => {
    for (const [name, factory] of Object.entries(CONVERTER_FACTORIES)) {
      for (const edge of factory().edges) {
        for (const mime of [edge.from, edge.to]) {
          assert.equal(formatByMime(mime)?.mime, mime, `${name}: ${mime} is not a canonical MIME type of formats.ts`);
        }
        assert.ok(edge.cost > 0, `${name}: ${edge.from} → ${edge.to} has cost ${edge.cost}`);
      }
    }
  });
});

describe('lookups', () => {
  it('formatByMime accepts aliases, any case and parameters', () => {
    assert.equal(formatByMime('image/jpg')?.mime, 'image/jpeg');
    assert.equal(formatByMime('IMAGE/JPEG')?.mime, 'image/jpeg');
    assert.equal(formatByMime('text/html; charset=ISO-8859-1')?.mime, 'text/html');
    assert.equal(formatByMime('application/x-zip-compressed')?.mime, 'application/zip');
    assert.equal(formatByMime('application/javascript')?.mime, 'text/javascript');
    assert.equal(formatByMime('application/x-nothing'), undefined);
  });

  it('formatByExt accepts a leading dot, any case and compound extensions', () => {
    assert.equal(formatByExt('.PNG')?.mime, 'image/png');
    assert.equal(formatByExt('jpeg')?.mime, 'image/jpeg');
    assert.equal(formatByExt('min.js')?.mime, 'text/x-minified-javascript');
    assert.equal(formatByExt('tar.gz')?.mime, 'application/gzip');
    assert.equal(formatByExt('exe'), undefined);
  });

  it('formatByFilename tries the longest compound extension first and ignores directories', () => {
    assert.equal(formatByFilename('/static/app.min.js')?.mime, 'text/x-minified-javascript');
    assert.equal(formatByFilename('app.js')?.mime, 'text/javascript');
    assert.equal(formatByFilename('backup.tar.gz')?.mime, 'application/gzip');
    assert.equal(formatByFilename('C:\\docs\\Q3 Report.DOCX')?.exts[0], 'docx');
    assert.equal(formatByFilename('/files.pdf/README')?.mime, undefined);
    assert.equal(formatByFilename('Makefile'), undefined);
    assert.equal(formatByFilename('version.1.2.png')?.mime, 'image/png');
  });

  it('canonicalExt and contentTypeOf', () => {
    assert.equal(canonicalExt('image/jpeg'), 'jpg');
    assert.equal(canonicalExt('text/x-minified-javascript'), 'min.js');
    assert.equal(canonicalExt('application/x-unknown'), 'application/x-unknown');
    assert.equal(contentTypeOf('text/html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeOf('text/x-minified-javascript'), 'text/javascript; charset=utf-8');
    assert.equal(contentTypeOf('image/jpg'), 'image/jpeg');
    assert.equal(contentTypeOf('image/png'), 'image/png');
  });
});
