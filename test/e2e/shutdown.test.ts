// `docker stop` during a slow conversion: readiness and new work turn 503 at once, the running request completes, exit code 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertImage } from '../helpers/probe.js';
import { docker } from './helpers/docker.js';
import { assertError, mediaUrl, request } from './helpers/http.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

/** `docker stop -t 60`: SIGTERM, then SIGKILL only if the container outlives the timeout. */
function dockerStop(id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['stop', '-t', '60', id], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const workers of ['1', '2']) {
  describe(`graceful shutdown on docker stop (OMNIC_WORKERS=${workers})`, { skip: e2eSkip() }, () => {
    let omnic: RunningOmnic;
    let origin: Origin;

    before(async () => {
      origin = await startOrigin();
      omnic = await startOmnic({ target: 'image', env: { OMNIC_WAIT_MS: '60000', OMNIC_SHUTDOWN_GRACE_MS: '45000', OMNIC_WORKERS: workers } });
    });
    after(async () => {
      await omnic?.stop();
      await origin?.close();
    });

    it('finishes the in-flight request, refuses new work with 503, and exits 0', async () => {
      const pattern = await patternPng();
      origin.put('slow.png', pattern);
      const fresh = origin.put('fresh.png', pattern);
      // A result converted before the stop is answered (by a worker process, with OMNIC_WORKERS=2) throughout the drain.
      const cached = mediaUrl(omnic.url, 'thumb.png:64x64', origin.put('cached.png', pattern));
      assert.equal((await request(cached)).status, 200);
      // The source trickles in over 6 s, so the conversion is still running when SIGTERM arrives.
      const inFlight = request(mediaUrl(omnic.url, 'thumb.png:200x200', origin.slow('slow.png', 6000)));
      await until(async () => (origin.hits('/slow/slow.png') > 0 ? true : undefined), 10_000, 'omnic to start downloading');
      await sleep(500);

      const stopped = dockerStop(omnic.id);
      await until(async () => ((await request(`${omnic.url}/readyz`).catch(() => undefined))?.status === 503 ? true : undefined), 5_000, '/readyz to turn 503');
      const refused = await request(mediaUrl(omnic.url, 'thumb.png:100x100', fresh));
      assertError(refused, 503, 'draining');
      assert.ok(refused.headers.get('retry-after'), 'a 503 while draining carries Retry-After');
      const hit = await request(cached);
      assert.equal(hit.status, 200, 'cached results are still answered while draining');
      await assertImage(hit.body, { format: 'png', width: 64, height: 64 });

      const reply = await inFlight;
      assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
      await assertImage(reply.body, { format: 'png', width: 200, height: 200 });

      assert.equal(await stopped, 0, 'docker stop failed');
      const state = JSON.parse(await docker(['inspect', '--format', '{{json .State}}', omnic.id])) as { ExitCode: number; OOMKilled: boolean };
      assert.equal(state.ExitCode, 0, `exit code ${state.ExitCode}`);
      assert.match(await omnic.logs(), /"stopped"/);
    });
  });
}
