// Signed URLs end to end: unsigned and tampered URLs are 403, `omnic sign` output is 200, expiry and key rotation.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { signMediaUrl } from '../../src/signing.js';
import { makeJpeg } from '../helpers/images.js';
import { mediaPath, startOmnic, type TestOmnic } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

const run = promisify(execFile);

describe('signed URLs', () => {
  let omnic: TestOmnic;
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
    origin.route('/photo.jpg', { body: await makeJpeg(), type: 'image/jpeg' });
    omnic = await startOmnic({ OMNIC_SIGNING_KEYS: 'current-key,previous-key' });
  });
  after(async () => {
    await omnic.close();
    await origin.close();
  });

  it('refuses an unsigned URL with 403 bad_signature before any download', async () => {
    const res = await omnic.get(mediaPath('thumb.png:100x100', origin.url('/photo.jpg')));
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.error, 'bad_signature');
    assert.ok(!body.message.includes('current-key'));
    assert.equal(origin.hits('/photo.jpg'), 0);
  });

  it('serves the path printed by `omnic sign`', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sign', 'THUMB.PNG:100x100', origin.url('/photo.jpg')], {
      env: { ...process.env, OMNIC_SIGNING_KEYS: 'current-key,previous-key' },
    });
    const path = stdout.trim();
    assert.match(path, /^\/media\/thumb\.png:100x100\/\?url=.+&sig=[\w-]+$/);
    const res = await omnic.get(path);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
  });

  it('accepts any key in the list (rotation) and refuses a tampered typestring', async () => {
    const signed = signMediaUrl({ typestring: 'thumb.png:80x80', url: origin.url('/photo.jpg'), key: 'previous-key' });
    assert.equal((await omnic.get(signed)).status, 200);
    const tampered = signed.replace('80x80', '800x800');
    assert.equal((await omnic.get(tampered)).status, 403);
    const otherKey = signMediaUrl({ typestring: 'thumb.png:80x80', url: origin.url('/photo.jpg'), key: 'stolen-key' });
    assert.equal((await omnic.get(otherKey)).status, 403);
  });

  it('honours exp: future is fine, past is 403', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fresh = signMediaUrl({ typestring: 'thumb.png:70x70', url: origin.url('/photo.jpg'), key: 'current-key', exp: now + 600 });
    assert.equal((await omnic.get(fresh)).status, 200);
    const stale = signMediaUrl({ typestring: 'thumb.png:70x70', url: origin.url('/photo.jpg'), key: 'current-key', exp: now - 1 });
    const res = await omnic.get(stale);
    assert.equal(res.status, 403);
    assert.match((await res.json()).message, /expired/);
    const extended = fresh.replace(/exp=\d+/, `exp=${now + 99_999}`);
    assert.equal((await omnic.get(extended)).status, 403);
  });

  it('stops answering a cached, signed URL the moment it expires (hits are memoised, expiry is not)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const signed = signMediaUrl({ typestring: 'thumb.png:60x60', url: origin.url('/photo.jpg'), key: 'current-key', exp });
    assert.equal((await omnic.get(signed)).status, 200);
    assert.equal((await omnic.get(signed)).status, 200, 'a cache hit, answered from the memo');
    await new Promise((r) => setTimeout(r, Math.max(0, (exp + 1) * 1000 - Date.now() + 50)));
    const res = await omnic.get(signed);
    assert.equal(res.status, 403);
    assert.match((await res.json()).message, /expired/);
  });
});

describe('egress defaults', () => {
  it('refuses a loopback source with 403 unless OMNIC_ALLOW_PRIVATE_NETWORKS is set', async () => {
    const origin = await startOrigin();
    origin.route('/photo.jpg', { body: await makeJpeg(200, 200), type: 'image/jpeg' });
    const strict = await startOmnic({ OMNIC_ALLOW_PRIVATE_NETWORKS: 'false' });
    try {
      for (const url of [origin.url('/photo.jpg'), origin.url('/photo.jpg').replace('127.0.0.1', 'localhost'), origin.url('/photo.jpg').replace('127.0.0.1', '2130706433')]) {
        const res = await strict.get(mediaPath('thumb.png:50x50', url));
        assert.equal(res.status, 403, url);
        const body = await res.json();
        assert.equal(body.error, 'forbidden_source');
        assert.ok(!body.message.includes('127.0.0.1'));
      }
      assert.equal(origin.connections(), 0, 'no connection reached the origin');
    } finally {
      await strict.close();
      await origin.close();
    }
  });
});
