// OMNIC_PROFILE=/path: a profile file mounted into the container restricts conversions exactly as written.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { assertImage } from '../helpers/probe.js';
import { assertError, mediaUrl, request } from './helpers/http.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

const PROFILE = {
  name: 'png-to-webp',
  description: 'Only PNG sources, only WebP results.',
  converters: ['sharp'],
  inputs: ['image/png'],
  outputs: ['image/webp'],
  limits: {},
};

describe('custom profile mounted from a file', { skip: e2eSkip() }, () => {
  let omnic: RunningOmnic;
  let origin: Origin;
  let dir: string;
  let png: string;
  let jpeg: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnic-e2e-profile-'));
    await writeFile(join(dir, 'profile.json'), JSON.stringify(PROFILE));
    origin = await startOrigin();
    const pattern = await patternPng();
    png = origin.put('pattern.png', pattern);
    jpeg = origin.put('pattern.jpg', await sharp(pattern).jpeg().toBuffer());
    omnic = await startOmnic({
      target: 'image',
      env: { OMNIC_PROFILE: '/etc/omnic/profile.json' },
      bindMounts: [{ source: join(dir, 'profile.json'), target: '/etc/omnic/profile.json', mode: 'ro' }],
    });
  });
  after(async () => {
    await omnic?.stop();
    await origin?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the custom profile', async () => {
    assert.equal((await request(`${omnic.url}/readyz`)).json().profile, 'png-to-webp');
    const formats = (await request(`${omnic.url}/formats`)).json<{ inputs: { mime: string; outputs: { mime: string }[] }[] }>();
    assert.deepEqual(formats.inputs.map((i) => i.mime), ['image/png']);
    assert.deepEqual(formats.inputs[0]!.outputs.map((o) => o.mime), ['image/webp']);
  });

  it('converts what it allows: PNG to WebP', async () => {
    const reply = await request(mediaUrl(omnic.url, 'thumb.webp:200x150', png));
    assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
    await assertImage(reply.body, { format: 'webp', width: 200, height: 150 });
  });

  it('refuses other outputs (422) and other inputs (415)', async () => {
    assertError(await request(mediaUrl(omnic.url, 'thumb.png:200x150', png)), 422, 'no_conversion_path');
    assertError(await request(mediaUrl(omnic.url, 'jpg', png)), 422, 'no_conversion_path');
    assertError(await request(mediaUrl(omnic.url, 'thumb.webp:200x150', jpeg)), 415, 'unsupported_format');
  });
});
