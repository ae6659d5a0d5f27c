// Production posture: non-root, read-only root filesystem, cache on its volume, tini as PID 1, a HEALTHCHECK that passes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertImage } from '../helpers/probe.js';
import { docker } from './helpers/docker.js';
import { mediaUrl, request } from './helpers/http.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

describe('container hardening (image target, --read-only --tmpfs /tmp)', { skip: e2eSkip() }, () => {
  let omnic: RunningOmnic;
  let origin: Origin;

  before(async () => {
    origin = await startOrigin();
    omnic = await startOmnic({ target: 'image', readOnly: true });
  });
  after(async () => {
    await omnic?.stop();
    await origin?.close();
  });

  const sh = async (script: string) => omnic.container.exec(['sh', '-c', script]);

  it('runs as a non-root user with tini as PID 1', async () => {
    const { output } = await sh('id -u');
    assert.notEqual(output.trim(), '0');
    assert.match(output.trim(), /^\d+$/);
    const pid1 = await sh('tr "\\0" " " < /proc/1/cmdline');
    assert.match(pid1.output, /tini/);
  });

  it('cannot write to the root filesystem or the app', async () => {
    for (const path of ['/probe', '/app/probe', '/etc/probe', '/usr/local/probe']) {
      const { exitCode } = await sh(`echo x > ${path}`);
      assert.notEqual(exitCode, 0, `${path} was writable`);
    }
    const inspect = JSON.parse(await docker(['inspect', omnic.id]))[0];
    assert.equal(inspect.HostConfig.ReadonlyRootfs, true);
  });

  it('converts, writing only to its cache volume and /tmp', async () => {
    const png = origin.put('pattern.png', await patternPng());
    const reply = await request(mediaUrl(omnic.url, 'thumb.jpg:160x120', png));
    assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
    await assertImage(reply.body, { format: 'jpeg', width: 160, height: 120 });
    const { output } = await sh('find /var/cache/omnic -type f | wc -l');
    assert.ok(Number(output.trim()) > 0, 'nothing cached under /var/cache/omnic');
    const mounts = JSON.parse(await docker(['inspect', '--format', '{{json .Mounts}}', omnic.id])) as { Destination: string }[];
    assert.ok(mounts.some((m) => m.Destination === '/var/cache/omnic'), 'the cache is not on a volume');
  });

  it('passes its own HEALTHCHECK command', async () => {
    const test = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Healthcheck.Test}}', omnic.image])) as string[];
    assert.equal(test[0], 'CMD');
    const { exitCode, output } = await omnic.container.exec(test.slice(1));
    assert.equal(exitCode, 0, output);
    // And it can fail: nothing listens on this port.
    const wrong = await omnic.container.exec(test.slice(1), { env: { OMNIC_PORT: String(omnic.port === 1 ? 2 : 1) } });
    assert.notEqual(wrong.exitCode, 0, 'the healthcheck passed against a closed port');
  });
});
