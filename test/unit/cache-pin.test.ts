// An object a step is reading keeps its file until the step lets go, even when the cache evicts it meanwhile.
import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { cacheKey, createCache } from '../../src/cache.js';

const exists = (file: string) => access(file).then(() => true, () => false);

it('defers removal of an evicted object until its last reader is done', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-pin-'));
  try {
    const cache = await createCache({ dir, maxBytes: 150 });
    const put = async (name: string) => {
      const temp = cache.tempPath();
      await writeFile(temp, Buffer.alloc(100, 1));
      return cache.put(cacheKey(name), temp, { layer: 'step', mime: 'image/png' });
    };
    const a = await put('a');
    await cache.withPinned(a.objectKey, async () => {
      await put('b'); // over the cap: a is evicted
      assert.equal(cache.has(a.key), false, 'a was evicted');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await exists(a.file), true, 'but its file stays while pinned');
    });
    assert.equal(await exists(a.file), false, 'and goes once released');
    const c = await put('c');
    await cache.withPinned(c.objectKey, async () => {});
    assert.equal(await exists(c.file), true, 'a pinned object that was never evicted keeps its file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
