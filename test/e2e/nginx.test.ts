// Behind nginx with docker/nginx.conf: results are cached (second request is a HIT), 202 placeholders never are, headers pass intact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertImage } from '../helpers/probe.js';
import { mediaUrl, request } from './helpers/http.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

/** How many /media requests omnic itself has answered (its own counter, so a nginx HIT shows as no change). */
async function mediaRequests(omnic: RunningOmnic): Promise<number> {
  const text = (await request(`${omnic.url}/metrics`)).body.toString('utf8');
  return [...text.matchAll(/^omnic_http_requests_total\{[^}]*route="media"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('behind nginx (docker/nginx.conf)', { skip: e2eSkip('nginx') }, () => {
  let omnic: RunningOmnic;
  let origin: Origin;
  let nginx: Nginx;

  before(async () => {
    origin = await startOrigin();
    // A short wait makes the slow source below answer 202 first.
    omnic = await startOmnic({ target: 'image', env: { OMNIC_WAIT_MS: '1000' } });
    nginx = await startNginx(omnic.port);
  });
  after(async () => {
    await nginx?.stop();
    await omnic?.stop();
    await origin?.close();
  });

  it('serves the second request from its cache with the same headers and bytes', async () => {
    const url = mediaUrl(nginx.url, 'thumb.webp:240x160', origin.put('pattern.png', await patternPng()));
    const first = await request(url);
    assert.equal(first.status, 200, first.body.toString('utf8').slice(0, 300));
    assert.equal(first.headers.get('x-cache-status'), 'MISS');
    await assertImage(first.body, { format: 'webp', width: 240, height: 160 });
    const before = await mediaRequests(omnic);

    const second = await request(url);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-cache-status'), 'HIT');
    assert.equal(await mediaRequests(omnic), before, 'the HIT reached omnic');
    for (const header of ['content-type', 'etag', 'cache-control', 'x-omnic-path', 'content-length', 'x-content-type-options']) {
      assert.ok(first.headers.get(header), `${header} missing behind nginx`);
      assert.equal(second.headers.get(header), first.headers.get(header), `${header} changed in the cache`);
    }
    assert.ok(second.body.equals(first.body), 'cached bytes differ');
    const revalidated = await request(url, { headers: { 'if-none-match': first.headers.get('etag')! } });
    assert.equal(revalidated.status, 304);
  });

  it('never caches a 202 placeholder, then caches the finished result', async () => {
    origin.put('slow.png', await patternPng(800, 600));
    const url = mediaUrl(nginx.url, 'thumb.png:200x200', origin.slow('slow.png', 4000));
    const first = await request(url);
    assert.equal(first.status, 202, first.body.toString('utf8').slice(0, 300));
    assert.equal(first.headers.get('cache-control'), 'no-store');
    assert.ok(first.headers.get('retry-after'), 'Retry-After lost behind nginx');
    assert.match(first.headers.get('x-omnic-state') ?? '', /^(queued|running)$/);
    const again = await request(url);
    assert.equal(again.status, 202);
    assert.notEqual(again.headers.get('x-cache-status'), 'HIT', 'nginx cached a 202');

    let done = again;
    for (let i = 0; i < 60 && done.status === 202; i++) {
      await sleep(250);
      done = await request(url);
    }
    assert.equal(done.status, 200, 'the conversion never finished');
    await assertImage(done.body, { format: 'png', width: 200, height: 200 });
    assert.equal((await request(url)).headers.get('x-cache-status'), 'HIT');
  });

  it('keeps /metrics off the public proxy', async () => {
    assert.equal((await request(`${nginx.url}/metrics`)).status, 404);
    assert.equal((await request(`${nginx.url}/healthz`)).status, 200);
  });
});
