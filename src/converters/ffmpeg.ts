// ffmpeg: a video's frame at t seconds, or an audio file's waveform picture, as PNG (local files only).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputRejectedError, SourceTooLargeError } from '../errors.js';
import type { Converter, Edge, Step } from './converter.js';

/** Each input type with the demuxer forced for it: ffmpeg never guesses, so a playlist (hls, concat) can't sneak in. */
const VIDEO: Record<string, string> = {
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
  'video/matroska': 'matroska',
  'video/x-msvideo': 'avi',
  'video/ogg': 'ogg',
};
const AUDIO: Record<string, string> = {
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
  'audio/mp4': 'mov',
  'audio/opus': 'ogg',
};
const DEMUXER: Record<string, string> = { ...VIDEO, ...AUDIO };

const WAVE = { width: 1024, height: 256, colour: '0x1f6feb', background: '0xf6f8fa' };
/** Where the default frame is taken, as a share of the duration (ffmpegthumbnailer's default too). */
const DEFAULT_SEEK_SHARE = 0.1;
/** A seek this close to the end may find no frame to decode. */
const END_MARGIN_S = 0.25;

/** Flags every ffmpeg/ffprobe call carries: quiet, no stdin, and only the file protocol (no http, no playlists of URLs). */
const COMMON = ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file'];

interface MediaInfo {
  duration?: number;
  video?: { width: number; height: number };
  audio: boolean;
}

function edges(): Edge[] {
  return [
    ...Object.keys(VIDEO).map((from) => ({ from, to: 'image/png', cost: 4 })),
    ...Object.keys(AUDIO).map((from) => ({ from, to: 'image/png', cost: 4 })),
  ];
}

export function createFfmpegConverter(): Converter {
  return {
    name: 'ffmpeg',
    tools: [
      { name: 'ffmpeg', package: 'ffmpeg', versionArgs: ['-version'] },
      { name: 'ffprobe', package: 'ffmpeg', versionArgs: ['-version'] },
    ],
    edges: edges(),
    options: ['t'],
    timeoutMs: 60_000,
    async run(step) {
      const demuxer = DEMUXER[step.from];
      if (!demuxer) throw new InputRejectedError(`ffmpeg does not read ${step.from}.`);
      const info = await probe(step, demuxer);
      // A video container holding only sound (an .mp4 of a podcast) still gets a picture: its waveform.
      if (info.video && step.from in VIDEO) return frame(step, demuxer, info);
      if (info.audio) return waveform(step, demuxer);
      throw new InputRejectedError(`This ${step.from} file has no ${step.from in VIDEO ? 'video or audio' : 'audio'} stream to draw.`);
    },
  };
}

async function probe(step: Step, demuxer: string): Promise<MediaInfo> {
  const args = [...COMMON, '-f', demuxer, '-show_entries', 'format=duration:stream=codec_type,width,height', '-of', 'json', `file:${resolve(step.input)}`];
  const { stdout } = await step.exec('ffprobe', args, { captureStdout: true, maxStdoutBytes: 1024 * 1024 });
  let parsed: { format?: { duration?: string }; streams?: { codec_type?: string; width?: number; height?: number }[] };
  try {
    parsed = JSON.parse(stdout);
  } catch (err) {
    throw new InputRejectedError(`ffprobe could not describe this ${step.from} file.`, err);
  }
  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && (s.width ?? 0) > 0 && (s.height ?? 0) > 0);
  const duration = Number(parsed.format?.duration);
  return {
    duration: Number.isFinite(duration) && duration > 0 ? duration : undefined,
    video: video ? { width: video.width!, height: video.height! } : undefined,
    audio: streams.some((s) => s.codec_type === 'audio'),
  };
}

/** The requested second (or 10 % in), kept inside the video so the seek lands on a frame. */
export function seekTime(requested: number | undefined, duration: number | undefined): number {
  if (duration === undefined) return requested ?? 0;
  const wanted = requested ?? duration * DEFAULT_SEEK_SHARE;
  return Math.max(0, Math.min(wanted, duration - END_MARGIN_S));
}

async function frame(step: Step, demuxer: string, info: MediaInfo): Promise<void> {
  const { width, height } = info.video!;
  if (width * height > step.limits.maxPixels) {
    throw new SourceTooLargeError(`The video's frames are ${width}×${height}, more pixels than OMNIC_MAX_SOURCE_PIXELS allows.`);
  }
  const at = seekTime(step.options.t, info.duration);
  await grab(step, demuxer, at);
  // Some files index their last keyframes badly: a seek past them decodes nothing, the first frame still exists.
  if (at > 0 && !(await nonEmpty(step.output))) await grab(step, demuxer, 0);
}

function grab(step: Step, demuxer: string, at: number) {
  return step.exec('ffmpeg', [
    '-nostdin', ...COMMON,
    // -ss before -i seeks by keyframe index and then decodes up to the exact time: fast and accurate.
    '-ss', at.toFixed(3), '-f', demuxer, '-i', `file:${resolve(step.input)}`,
    '-map', '0:v:0', '-frames:v', '1', '-an', '-sn', '-dn',
    '-c:v', 'png', '-f', 'image2', '-update', '1', '-y', `file:${resolve(step.output)}`,
  ]);
}

async function waveform(step: Step, demuxer: string): Promise<void> {
  const { width, height, colour, background } = WAVE;
  const graph =
    `[0:a:0]aformat=channel_layouts=mono,showwavespic=s=${width}x${height}:colors=${colour}:scale=sqrt[wave];` +
    `color=c=${background}:s=${width}x${height}[paper];[paper][wave]overlay=format=auto:shortest=1,format=rgb24[out]`;
  await step.exec('ffmpeg', [
    '-nostdin', ...COMMON, '-f', demuxer, '-i', `file:${resolve(step.input)}`,
    '-filter_complex', graph, '-map', '[out]', '-frames:v', '1',
    '-c:v', 'png', '-f', 'image2', '-update', '1', '-y', `file:${resolve(step.output)}`,
  ]);
}

async function nonEmpty(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return !!info && info.size > 0;
}
