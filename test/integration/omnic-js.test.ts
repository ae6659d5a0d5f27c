// /omnic.js in a real browser (Debian chromium via playwright-core): a 202 placeholder is swapped for the result.
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { makeJpeg } from '../helpers/images.js';
import { mediaPath, startOmnic, type TestOmnic } from '../helpers/omnic.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

const CHROMIUM = '/usr/bin/chromium';
let browser: Browser | undefined;
let omnic: TestOmnic;
let origin: Origin;

before(async () => {
  origin = await startOrigin();
  omnic = await startOmnic({ OMNIC_WAIT_MS: '50' });
  const present = await access(CHROMIUM).then(() => true, () => false);
  if (present || process.env.CI === 'true') {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }
});
after(async () => {
  await browser?.close();
  await omnic.close();
  await origin.close();
});

it('swaps a placeholder image for the finished conversion on a page of another origin', async (t) => {
  if (!browser) return t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
  origin.route('/slow.jpg', { body: await makeJpeg(900, 600), type: 'image/jpeg', delayMs: 1500 });
  const src = `${omnic.url}${mediaPath('thumb.webp:300x200', origin.url('/slow.jpg'))}`;
  origin.route('/page.html', {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(`<!doctype html><html><body><img id="thumb" src="${src}" width="300" height="200"><script src="${omnic.url}/omnic.js"></script></body></html>`),
  });
  const page = await browser.newPage();
  const statuses: number[] = [];
  page.on('response', (res) => {
    if (res.url().includes('/media/') && !res.url().includes('status=1')) statuses.push(res.status());
  });
  await page.goto(origin.url('/page.html'));
  await page.waitForFunction(() => document.getElementById('thumb')?.getAttribute('data-omnic') === 'ready', undefined, { timeout: 20_000 });
  await page.waitForFunction(() => {
    const img = document.getElementById('thumb') as HTMLImageElement;
    return img.complete && img.src.includes('omnic_reload=');
  });
  const size = await page.evaluate(() => {
    const img = document.getElementById('thumb') as HTMLImageElement;
    return [img.naturalWidth, img.naturalHeight];
  });
  assert.deepEqual(size, [300, 200]);
  assert.equal(statuses[0], 202, 'the page first got the placeholder');
  assert.equal(statuses.at(-1), 200, 'then the finished thumbnail');
  await page.close();
});

it('leaves an image that was ready at once alone', async (t) => {
  if (!browser) return t.skip(`${CHROMIUM} is not installed (apt-get install chromium)`);
  origin.route('/fast.jpg', { body: await makeJpeg(400, 300), type: 'image/jpeg' });
  const src = `${omnic.url}${mediaPath('thumb.png:40x30', origin.url('/fast.jpg'))}`;
  await fetch(src);
  for (let i = 0; i < 100 && !(await (await fetch(`${src}&just_checking=1`)).json()).ready; i++) await new Promise((r) => setTimeout(r, 50));
  origin.route('/ready.html', {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(`<!doctype html><html><body><img id="thumb" src="${src}"><script src="${omnic.url}/omnic.js"></script></body></html>`),
  });
  const page = await browser.newPage();
  await page.goto(origin.url('/ready.html'));
  await page.waitForFunction(() => document.getElementById('thumb')?.getAttribute('data-omnic') === 'ready', undefined, { timeout: 10_000 });
  assert.ok(!(await page.evaluate(() => (document.getElementById('thumb') as HTMLImageElement).src)).includes('omnic_reload'));
  await page.close();
});
