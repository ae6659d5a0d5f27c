// SIGTERM on a real `omnic serve` process during a slow conversion: it finishes, new work gets 503, exit 0.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { assertImage } from '../helpers/probe.js';
import { makeJpeg } from '../helpers/images.js';
import { mediaPath, serveProcess } from '../helpers/omnic.js';
import { startOrigin } from '../helpers/origin.js';

it('drains on SIGTERM: in-flight request completes, readiness and new work get 503, exit code 0', async () => {
  const origin = await startOrigin();
  origin.route('/slow.jpg', { body: await makeJpeg(), type: 'image/jpeg', delayMs: 2500 });
  origin.route('/other.jpg', { body: await makeJpeg(300, 300), type: 'image/jpeg' });
  const cacheDir = await mkdtemp(join(tmpdir(), 'omnic-shutdown-'));
  const { child, url: base } = await serveProcess({ OMNIC_CACHE_DIR: cacheDir, OMNIC_WAIT_MS: '60000', OMNIC_SHUTDOWN_GRACE_MS: '20000' });
  try {
    const inFlight = fetch(`${base}${mediaPath('thumb.webp:300x200', origin.url('/slow.jpg'))}`);
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    const fresh = await fetch(`${base}${mediaPath('thumb.png:50x50', origin.url('/other.jpg'))}`);
    assert.equal(fresh.status, 503);
    assert.equal((await fresh.json()).error, 'draining');
    assert.ok(fresh.headers.get('retry-after'));
    const res = await inFlight;
    assert.equal(res.status, 200);
    await assertImage(Buffer.from(await res.arrayBuffer()), { format: 'webp', width: 300, height: 200 });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.equal(origin.hits('/other.jpg'), 0);
  } finally {
    child.kill('SIGKILL');
    await origin.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
});
