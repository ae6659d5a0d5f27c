// createCache: put/get, atomic visibility, boot sweep of temp leftovers, LRU eviction under the cap, refs, sources, reload.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { cacheKey, createCache, createResultReader, type Cache } from '../../src/cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnic-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) => access(path).then(() => true, () => false);

/** Writes `body` to a temp file of the cache and puts it under `key`. */
async function putBytes(cache: Cache, key: string, body: string | Buffer, meta: { source?: string } = {}) {
  const temp = cache.tempPath();
  await writeFile(temp, body);
  return cache.put(key, temp, { layer: 'step', mime: 'image/png', ...meta });
}

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync('true');
  return child.pid!;
}

describe('cache', () => {
  it('cacheKey is a stable sha256 over its parts', () => {
    assert.match(cacheKey('a', 'b'), /^[0-9a-f]{64}$/);
    assert.equal(cacheKey('a', 'b'), cacheKey('a', 'b'));
    assert.notEqual(cacheKey('a', 'b'), cacheKey('ab'));
    assert.notEqual(cacheKey('a', 'b'), cacheKey('b', 'a'));
  });

  it('put then get returns the bytes, size and metadata; the temp file is moved, not copied', async () => {
    const cache = await createCache({ dir, maxBytes: 1_000_000 });
    const key = cacheKey('photo');
    const temp = cache.tempPath('.png');
    await writeFile(temp, 'pretend png bytes');
    await cache.put(key, temp, { layer: 'source', mime: 'image/png', source: 'https://x.test/a.png', filename: 'a.png' });
    assert.equal(await exists(temp), false, 'the temp file must be renamed into place');
    const hit = await cache.get(key);
    assert.ok(hit);
    assert.equal(await readFile(hit.file, 'utf8'), 'pretend png bytes');
    assert.equal(hit.size, 17);
    assert.equal(hit.objectKey, key);
    assert.equal(hit.meta.mime, 'image/png');
    assert.equal(hit.meta.filename, 'a.png');
    assert.ok(hit.file.startsWith(join(dir, 'objects')));
    // A layer filter only matches its own layer.
    assert.ok(await cache.get(key, 'source'));
    assert.equal(await cache.get(key, 'result'), undefined);
    assert.equal(await cache.get(cacheKey('other')), undefined);
  });

  it('an entry is invisible until put completes, and temp files are never served', async () => {
    const cache = await createCache({ dir, maxBytes: 1_000_000 });
    const key = cacheKey('slow');
    const temp = cache.tempPath();
    await writeFile(temp, 'half');
    assert.ok(temp.startsWith(cache.tmpDir));
    assert.equal(cache.has(key), false);
    assert.equal(await cache.get(key), undefined);
    const putting = cache.put(key, temp, { layer: 'step', mime: 'image/png' });
    assert.equal(await cache.get(key), undefined, 'visible before put resolved');
    await putting;
    assert.ok(await cache.get(key));
  });

  it('sweeps temp directories of dead processes and data files whose metadata never landed', async () => {
    const first = await createCache({ dir, maxBytes: 1_000_000 });
    await putBytes(first, cacheKey('kept'), 'kept bytes');
    const leftover = join(dir, 'tmp', `${deadPid()}-deadbeef`);
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'partial.png'), 'partial');
    const orphanKey = cacheKey('orphan');
    const orphan = join(dir, 'objects', orphanKey.slice(0, 2), orphanKey);
    await mkdir(join(dir, 'objects', orphanKey.slice(0, 2)), { recursive: true });
    await writeFile(orphan, 'data without metadata');
    const brokenKey = cacheKey('broken-meta');
    const brokenMeta = join(dir, 'objects', brokenKey.slice(0, 2), `${brokenKey}.json`);
    await mkdir(join(dir, 'objects', brokenKey.slice(0, 2)), { recursive: true });
    await writeFile(brokenMeta, '{"layer": "st');

    const second = await createCache({ dir, maxBytes: 1_000_000 });
    assert.equal(await exists(leftover), false, 'dead process temp dir survived');
    assert.equal(await exists(orphan), false, 'data file without metadata survived');
    assert.equal(await exists(brokenMeta), false, 'unreadable metadata survived');
    assert.equal(await second.get(orphanKey), undefined);
    assert.ok(await second.get(cacheKey('kept')), 'a complete entry was swept');
    assert.equal(second.stats().entries, 1);
  });

  it("keeps a live process's temp directory", async () => {
    const live = join(dir, 'tmp', `${process.ppid}-cafebabe`);
    await mkdir(live, { recursive: true });
    await createCache({ dir, maxBytes: 1_000_000 });
    assert.equal(await exists(live), true);
  });

  it('evicts least recently used entries past maxBytes, deletes their files and reports each eviction', async () => {
    let evictions = 0;
    let reported = 0;
    const cache = await createCache({ dir, maxBytes: 250 }, { onEvict: () => evictions++, onBytes: (b) => (reported = b) });
    const [a, b, c] = ['a', 'b', 'c'].map((k) => cacheKey(k)) as [string, string, string];
    const hitA = await putBytes(cache, a, Buffer.alloc(100));
    await putBytes(cache, b, Buffer.alloc(100));
    assert.ok(await cache.get(a), 'touch a so b is the least recently used');
    await putBytes(cache, c, Buffer.alloc(100));
    assert.equal(evictions, 1);
    assert.equal(await cache.get(b), undefined, 'b should have been evicted');
    assert.ok(await cache.get(a));
    assert.ok(await cache.get(c));
    assert.deepEqual(cache.stats(), { entries: 2, bytes: 200, maxBytes: 250 });
    assert.equal(reported, 200);
    // Files of the evicted entry go too (removal is asynchronous).
    const evictedFile = join(dir, 'objects', b.slice(0, 2), b);
    for (let i = 0; i < 50 && (await exists(evictedFile)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await exists(evictedFile), false);
    assert.equal(await exists(hitA.file), true);
  });

  it('an object larger than the whole cap does not stay on disk untracked', async () => {
    // lru-cache refuses an entry over maxSize without calling dispose, so its files are never removed, not even at boot.
    const cache = await createCache({ dir, maxBytes: 100 });
    const big = cacheKey('too-big');
    const hit = await putBytes(cache, big, Buffer.alloc(500));
    assert.equal(cache.stats().entries, 0);
    const again = await createCache({ dir, maxBytes: 100 });
    assert.equal(again.stats().entries, 0);
    assert.equal(await exists(hit.file), false, 'an untracked 500-byte object outlives the 100-byte cap');
  });

  it('prune evicts down to a target', async () => {
    const cache = await createCache({ dir, maxBytes: 10_000 });
    for (const k of ['1', '2', '3', '4']) await putBytes(cache, cacheKey(k), Buffer.alloc(100));
    assert.equal(cache.prune(250), 2);
    assert.equal(cache.stats().bytes, 200);
    assert.equal(await cache.get(cacheKey('1')), undefined);
    assert.ok(await cache.get(cacheKey('4')));
  });

  it('a ref answers with its target object; a ref whose target was evicted is a miss', async () => {
    const cache = await createCache({ dir, maxBytes: 150 });
    const object = cacheKey('object');
    await putBytes(cache, object, Buffer.alloc(100, 1));
    const result = cacheKey('result');
    await cache.putRef(result, object, { layer: 'result', mime: 'image/webp', path: 'jpg>thumb.webp', source: 'https://x.test/p.jpg' });
    const hit = await cache.get(result, 'result');
    assert.ok(hit);
    assert.equal(hit.objectKey, object);
    assert.equal(hit.size, 100);
    assert.equal(hit.meta.path, 'jpg>thumb.webp');
    assert.equal(hit.meta.mime, 'image/webp');
    // Another 100 bytes push the object out: the ref must not answer with nothing or with stale bytes.
    await putBytes(cache, cacheKey('newcomer'), Buffer.alloc(100, 2));
    assert.equal(await cache.get(object), undefined);
    assert.equal(await cache.get(result), undefined);
    assert.equal(cache.has(result), false, 'a dangling ref should be dropped');
  });

  it('deleteSource removes every entry recorded for a URL and nothing else', async () => {
    const cache = await createCache({ dir, maxBytes: 1_000_000 });
    const url = 'https://files.example.com/q3-report.docx';
    await putBytes(cache, cacheKey('src'), 'source', { source: url });
    await cache.putRef(cacheKey('res'), cacheKey('src'), { layer: 'result', mime: 'image/png', source: url });
    await putBytes(cache, cacheKey('other'), 'other', { source: 'https://files.example.com/other.docx' });
    assert.equal(await cache.deleteSource(url), 2);
    assert.equal(await cache.get(cacheKey('src')), undefined);
    assert.equal(await cache.get(cacheKey('res')), undefined);
    assert.ok(await cache.get(cacheKey('other')));
    assert.equal(cache.stats().entries, 1);
    assert.equal(await cache.deleteSource(url), 0);
  });

  it('delete and clear empty the cache and its files', async () => {
    const cache = await createCache({ dir, maxBytes: 1_000_000 });
    const hit = await putBytes(cache, cacheKey('x'), 'x');
    assert.equal(await cache.delete(cacheKey('x')), true);
    assert.equal(await exists(hit.file), false);
    assert.equal(await cache.delete(cacheKey('x')), false);
    await putBytes(cache, cacheKey('y'), 'y');
    await cache.clear();
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, maxBytes: 1_000_000 });
    assert.equal(await cache.get(cacheKey('y')), undefined);
  });

  it('a second cache on the same directory (a restart) sees the entries, refs and byte count', async () => {
    const first = await createCache({ dir, maxBytes: 1_000_000 });
    await putBytes(first, cacheKey('one'), Buffer.alloc(300), { source: 'https://x.test/one' });
    await putBytes(first, cacheKey('two'), Buffer.alloc(200));
    await first.putRef(cacheKey('ref'), cacheKey('one'), { layer: 'result', mime: 'image/png' });
    const second = await createCache({ dir, maxBytes: 1_000_000 });
    assert.deepEqual(second.stats(), { entries: 3, bytes: 501, maxBytes: 1_000_000 });
    const hit = await second.get(cacheKey('ref'));
    assert.equal(hit?.size, 300);
    assert.equal(hit?.meta.layer, 'result');
    assert.equal((await second.get(cacheKey('one')))?.meta.source, 'https://x.test/one');
  });

  it('a restart with a smaller cap evicts the oldest entries first', async () => {
    const first = await createCache({ dir, maxBytes: 1_000_000 });
    await putBytes(first, cacheKey('old'), Buffer.alloc(100));
    await new Promise((r) => setTimeout(r, 20));
    await putBytes(first, cacheKey('new'), Buffer.alloc(100));
    const second = await createCache({ dir, maxBytes: 150 });
    assert.equal(await second.get(cacheKey('old')), undefined);
    assert.ok(await second.get(cacheKey('new')));
  });
});

describe('createResultReader (worker processes)', () => {
  it('reads a small result through its reference, and nothing for a missing, large or non-result entry', async () => {
    const cache = await createCache({ dir, maxBytes: 10 * 2 ** 20 });
    const read = createResultReader(dir);
    await putBytes(cache, 'small', 'thumbnail bytes');
    await cache.putRef('result-small', 'small', { layer: 'result', mime: 'image/png', path: 'png>thumb.png' });
    const hit = await read('result-small');
    assert.equal(hit?.body?.toString(), 'thumbnail bytes');
    assert.equal(hit?.objectKey, 'small');
    assert.equal(hit?.meta.path, 'png>thumb.png');
    await putBytes(cache, 'large', Buffer.alloc(600 * 1024, 1));
    await cache.putRef('result-large', 'large', { layer: 'result', mime: 'image/png' });
    assert.equal(await read('result-large'), undefined, 'large results are left to the converting process');
    assert.equal(await read('small'), undefined, 'a step entry is not a result');
    assert.equal(await read('nothing'), undefined);
    await cache.delete('small');
    assert.equal(await read('result-small'), undefined, 'a result whose bytes are gone is a miss');
  });

  it('generation changes whenever an entry leaves, and touch keeps a result from being evicted', async () => {
    const cache = await createCache({ dir, maxBytes: 30 });
    await putBytes(cache, 'a', '0123456789');
    await cache.putRef('ra', 'a', { layer: 'result', mime: 'image/png' });
    await putBytes(cache, 'b', '0123456789');
    const before = cache.generation();
    cache.touch('ra'); // 'a' becomes the most recently used: 'b' is evicted next
    await putBytes(cache, 'c', '0123456789');
    assert.notEqual(cache.generation(), before);
    assert.ok(cache.has('a'));
    assert.ok(!cache.has('b'));
  });
});
