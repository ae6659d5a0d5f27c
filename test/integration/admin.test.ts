// /admin/: off without a token, 401 without the right one, and its signer yields working /media paths.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { makeJpeg } from '../helpers/images.js';
import { startOmnic } from '../helpers/omnic.js';
import { startOrigin } from '../helpers/origin.js';

it('is off unless OMNIC_ADMIN_TOKEN is set', async () => {
  const omnic = await startOmnic();
  try {
    assert.equal((await omnic.get('/admin/')).status, 404);
    assert.equal((await omnic.get('/admin/?token=x')).status, 404);
  } finally {
    await omnic.close();
  }
});

it('needs the token, then serves the page and signs paths that convert', async () => {
  const origin = await startOrigin();
  origin.route('/photo.jpg', { body: await makeJpeg(600, 400), type: 'image/jpeg' });
  const omnic = await startOmnic({ OMNIC_ADMIN_TOKEN: 'let-me-in', OMNIC_SIGNING_KEYS: 'k1' });
  try {
    const denied = await omnic.get('/admin/');
    assert.equal(denied.status, 401);
    assert.equal((await omnic.get('/admin/?token=wrong')).status, 401);
    const page = await omnic.get('/admin/?token=let-me-in');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Conversion graph/);
    const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
    assert.match(cookie, /^omnic_admin=/);
    const signed = await omnic.get(`/admin/sign?typestring=THUMB.PNG:64x64&url=${encodeURIComponent(origin.url('/photo.jpg'))}`, { headers: { Cookie: cookie } });
    const { path } = await signed.json();
    assert.match(path, /^\/media\/thumb\.png:64x64\/\?url=.*&sig=/);
    const res = await omnic.get(path);
    assert.equal(res.status, 200);
    assert.equal((await omnic.get('/admin/sign?typestring=png&url=x', { headers: { Authorization: 'Bearer let-me-in' } })).status, 200);
  } finally {
    await omnic.close();
    await origin.close();
  }
});
