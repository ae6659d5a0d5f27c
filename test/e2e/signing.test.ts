// OMNIC_SIGNING_KEYS: unsigned and wrongly signed URLs are 403, URLs signed by `omnic sign` in the container are 200, rotation works.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signMediaUrl } from '../../src/signing.js';
import { assertImage } from '../helpers/probe.js';
import { assertError, mediaUrl, request } from './helpers/http.js';
import { startOmnic, type RunningOmnic } from './helpers/omnic-container.js';
import { patternPng, startOrigin, type Origin } from './helpers/origin.js';
import { e2eSkip } from './helpers/skip.js';

describe('signed URLs', { skip: e2eSkip() }, () => {
  let omnic: RunningOmnic;
  let origin: Origin;
  let png: string;

  before(async () => {
    origin = await startOrigin();
    png = origin.put('pattern.png', await patternPng());
    omnic = await startOmnic({ target: 'image', env: { OMNIC_SIGNING_KEYS: 'e2e-current-key,e2e-previous-key' } });
  });
  after(async () => {
    await omnic?.stop();
    await origin?.close();
  });

  it('refuses an unsigned URL with 403 bad_signature', async () => {
    assertError(await request(mediaUrl(omnic.url, 'thumb.png:200x200', png)), 403, 'bad_signature');
  });

  it('refuses a URL signed with another key', async () => {
    const path = signMediaUrl({ typestring: 'thumb.png:200x200', url: png, key: 'not-the-key' });
    assertError(await request(`${omnic.url}${path}`), 403, 'bad_signature');
  });

  it('serves a URL signed by `omnic sign` inside the container', async () => {
    const { output, exitCode } = await omnic.container.exec(['node', '/app/bin/omnic.js', 'sign', 'thumb.png:200x200', png]);
    assert.equal(exitCode, 0, output);
    const path = output.trim().split('\n').pop()!;
    assert.match(path, /^\/media\/thumb\.png:200x200\/\?.*sig=/);
    const reply = await request(`${omnic.url}${path}`);
    assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
    await assertImage(reply.body, { format: 'png', width: 200, height: 200 });
  });

  it('accepts the previous key (rotation) and rejects a tampered typestring', async () => {
    const path = signMediaUrl({ typestring: 'thumb.webp:120x80', url: png, key: 'e2e-previous-key' });
    const reply = await request(`${omnic.url}${path}`);
    assert.equal(reply.status, 200, reply.body.toString('utf8').slice(0, 300));
    await assertImage(reply.body, { format: 'webp', width: 120, height: 80 });
    assertError(await request(`${omnic.url}${path.replace('120x80', '1200x800')}`), 403, 'bad_signature');
  });

  it('refuses an expired signed URL', async () => {
    const path = signMediaUrl({ typestring: 'thumb.png:200x200', url: png, key: 'e2e-current-key', exp: Math.floor(Date.now() / 1000) - 60 });
    assertError(await request(`${omnic.url}${path}`), 403, 'bad_signature');
  });
});
