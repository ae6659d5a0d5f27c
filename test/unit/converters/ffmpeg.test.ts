// ffmpeg converter with the real ffmpeg: video frames at t, waveforms, hostile inputs rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { createFfmpegConverter, seekTime } from '../../../src/converters/ffmpeg.js';
import { InputRejectedError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage, probeImage } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/index.js';

const VIDEOS = [
  { file: 'files/video/testsrc.mp4', mime: 'video/mp4', width: 320, height: 240 },
  { file: 'files/video/testsrc2.webm', mime: 'video/webm', width: 320, height: 240 },
  { file: 'files/video/smptebars.mkv', mime: 'video/matroska', width: 352, height: 288 },
  { file: 'files/video/mandelbrot.mov', mime: 'video/quicktime', width: 256, height: 192 },
];
const AUDIO = [
  { file: 'files/audio/rising-a440.mp3', mime: 'audio/mpeg' },
  { file: 'files/audio/sine-220.wav', mime: 'audio/wav' },
  { file: 'files/audio/swell-330.ogg', mime: 'audio/ogg' },
  { file: 'files/audio/pink-noise.flac', mime: 'audio/flac' },
];

test('seekTime defaults to 10 % in and keeps the seek inside the video', () => {
  assert.equal(seekTime(undefined, 30), 3);
  assert.equal(seekTime(1, 3), 1);
  assert.equal(seekTime(50, 3), 2.75);
  assert.equal(seekTime(undefined, 0.1), 0);
  assert.equal(seekTime(2, undefined), 2);
});

for (const video of VIDEOS) {
  test(`ffmpeg: ${video.file} → a frame of the video's size`, async (t) => {
    const h = await startConverter(t, createFfmpegConverter());
    if (!h) return;
    const out = await h.convert(zooPath(video.file), video.mime, 'image/png');
    await assertImage(out, { format: 'png', width: video.width, height: video.height, minSpread: 20 });
  });
}

test('ffmpeg: t picks a different frame of a moving video', async (t) => {
  const h = await startConverter(t, createFfmpegConverter());
  if (!h) return;
  const input = zooPath('files/video/testsrc.mp4');
  const [early, late] = await Promise.all([
    h.convert(input, 'video/mp4', 'image/png', { t: 0.2 }),
    h.convert(input, 'video/mp4', 'image/png', { t: 2.5 }),
  ]);
  const a = await sharpRaw(early);
  const b = await sharpRaw(late);
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 40) differing++;
  assert.ok(differing > 500, `frames at 0.2 s and 2.5 s are nearly identical (${differing} differing bytes)`);
  // A t past the end is clamped, not an error.
  await assertImage(await h.convert(input, 'video/mp4', 'image/png', { t: 600 }), { format: 'png', width: 320, height: 240 });
});

for (const audio of AUDIO) {
  test(`ffmpeg: ${audio.file} → a waveform picture`, async (t) => {
    const h = await startConverter(t, createFfmpegConverter());
    if (!h) return;
    const out = await h.convert(zooPath(audio.file), audio.mime, 'image/png');
    const probe = await assertImage(out, { format: 'png', width: 1024, height: 256, minSpread: 5 });
    assert.ok(probe.spread > 5);
  });
}

test('ffmpeg: a truncated mp4 is rejected as input (422)', async (t) => {
  const h = await startConverter(t, createFfmpegConverter());
  if (!h) return;
  await assert.rejects(h.convert(zooPath('files/video/truncated.mp4'), 'video/mp4', 'image/png'), (err: unknown) => {
    assert.ok(err instanceof InputRejectedError, String(err));
    assert.equal(err.status, 422);
    assert.doesNotMatch(err.message, /\/tmp|zoo|moov/);
    return true;
  });
});

test('ffmpeg: a corrupt flac is rejected as input (422)', async (t) => {
  const h = await startConverter(t, createFfmpegConverter());
  if (!h) return;
  await assert.rejects(h.convert(zooPath('files/audio/corrupt.flac'), 'audio/flac', 'image/png'), InputRejectedError);
});

test('ffmpeg: an audio file posing as mp4 is rejected when it is not one', async (t) => {
  const h = await startConverter(t, createFfmpegConverter());
  if (!h) return;
  // MP3 bytes declared as mp4: the forced mov demuxer refuses them instead of guessing another format.
  await assert.rejects(h.convert(zooPath('files/audio/rising-a440.mp3'), 'video/mp4', 'image/png'), InputRejectedError);
});

async function sharpRaw(path: string): Promise<Buffer> {
  assert.equal((await probeImage(path)).format, 'png');
  return sharp(path).greyscale().raw().toBuffer();
}
