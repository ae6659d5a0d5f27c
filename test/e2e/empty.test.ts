// The `empty` target: no converters, so every conversion is refused, while health, readiness, metrics and /formats answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRefused, mediaUrl, request } from './helpers/http.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { minimalPdf, patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

describe('empty target', { skip: e2eSkip() }, () => {
  let omnic: RunningOmnic;
  let origin: Origin;

  before(async () => {
    origin = await startOrigin();
    omnic = await startOmnic({ target: 'empty' });
  });
  after(async () => {
    await omnic?.stop();
    await origin?.close();
  });

  it('answers /healthz and /readyz', async () => {
    assert.equal((await request(`${omnic.url}/healthz`)).status, 200);
    const ready = await request(`${omnic.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.json().profile, 'empty');
  });

  it('exposes Prometheus metrics', async () => {
    const reply = await request(`${omnic.url}/metrics`);
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(reply.body.toString('utf8'), /^omnic_http_requests_total\{/m);
    assert.match(reply.body.toString('utf8'), /^process_cpu_seconds_total/m);
  });

  it('reports an empty graph in /formats and its profile in /version', async () => {
    const formats = (await request(`${omnic.url}/formats`)).json<{ profile: string; inputs: unknown[] }>();
    assert.deepEqual(formats, { ...formats, profile: 'empty', inputs: [] });
    const version = (await request(`${omnic.url}/version`)).json<{ profile: string; converters: unknown[] }>();
    assert.equal(version.profile, 'empty');
    assert.deepEqual(version.converters, []);
  });

  it('refuses every conversion, images included', async () => {
    const png = origin.put('pattern.png', await patternPng());
    const pdf = origin.put('letter.pdf', minimalPdf());
    for (const [typestring, source] of [['thumb.png:200x200', png], ['webp', png], ['png', pdf], ['thumb.jpg:100x100', pdf]] as const) {
      assertRefused(await request(mediaUrl(omnic.url, typestring, source)));
    }
    const posted = await request(`${omnic.url}/convert/thumb.png:200x200`, { method: 'POST', body: new Uint8Array(await patternPng()) });
    assertRefused(posted);
  });
});
