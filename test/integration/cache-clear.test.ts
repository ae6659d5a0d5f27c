// `omnic cache clear <url>` forgets a source with every step and result made from it: the next request sees new bytes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';
import sharp from 'sharp';
import { mediaPath, startOmnic } from '../helpers/omnic.js';
import { startOrigin } from '../helpers/origin.js';

const run = promisify(execFile);
const solid = (background: string) => sharp({ create: { width: 300, height: 200, channels: 3, background } }).jpeg().toBuffer();
const redness = async (body: Buffer) => {
  const { channels } = await sharp(body).stats();
  return channels[0]!.mean - channels[2]!.mean;
};

it('clears a source, its steps and its results, so a changed origin file is converted again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-clear-'));
  const origin = await startOrigin();
  origin.route('/photo.jpg', { body: await solid('#ff0000'), type: 'image/jpeg' });
  const path = mediaPath('thumb.png:60x40', origin.url('/photo.jpg'));
  try {
    const first = await startOmnic({ OMNIC_CACHE_DIR: dir });
    assert.ok((await redness(Buffer.from(await (await first.get(path)).arrayBuffer()))) > 100, 'first thumbnail is red');
    await first.close();

    origin.route('/photo.jpg', { body: await solid('#0000ff'), type: 'image/jpeg' });
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'cache', 'clear', origin.url('/photo.jpg')], {
      env: { ...process.env, OMNIC_CACHE_DIR: dir },
    });
    assert.match(stdout, /removed [3-9]\d* entries/);

    const second = await startOmnic({ OMNIC_CACHE_DIR: dir });
    assert.ok((await redness(Buffer.from(await (await second.get(path)).arrayBuffer()))) < -100, 'after clear the thumbnail is blue');
    assert.equal(origin.hits('/photo.jpg'), 2);
    await second.close();
  } finally {
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
});
