// Parses typestrings (`thumb.webp:300x200,fit=contain,q=70`) into a Target and gives their canonical form.
import { InvalidRequestError } from './errors.js';
import { formatByExt, formatByMime, type Format } from './formats.js';

export const MAX_SIDE = 8192;
export const DEFAULT_THUMB_SIZE = 200;
export const FITS = ['cover', 'contain', 'inside'] as const;
export type Fit = (typeof FITS)[number];

export interface TargetOptions {
  fit?: Fit;
  q?: number;
  page?: number;
  t?: number;
  bg?: string;
  dpr?: number;
}
export type OptionName = keyof TargetOptions;
export const OPTION_NAMES: readonly OptionName[] = ['bg', 'dpr', 'fit', 'page', 'q', 't'];

export interface Target {
  format: Format;
  /** `thumb.<ext>`: a thumbnail, resized with fit=cover by default. */
  thumb: boolean;
  width?: number;
  height?: number;
  options: TargetOptions;
  /** Lower-case format, size first, options sorted: what cache keys and signatures use. */
  canonical: string;
}

/** Whether the target ends with a resize step (a thumbnail or an explicit size). */
export function isSized(target: Target): boolean {
  return target.thumb || target.width !== undefined || target.height !== undefined;
}

/** The resize box in output pixels: the size times dpr, each side capped at MAX_SIDE. */
export function outputBox(target: Target): { width?: number; height?: number } {
  const dpr = target.options.dpr ?? 1;
  const scale = (side?: number) => (side === undefined ? undefined : Math.min(MAX_SIDE, Math.round(side * dpr)));
  return { width: scale(target.width), height: scale(target.height) };
}

export function parseTypestring(input: string): Target {
  const raw = decodeTypestring(input).trim().replace(/\/+$/, '');
  if (!raw) throw new InvalidRequestError('The typestring is empty. Use a format such as png, pdf or thumb.webp:300x200.');
  const colon = raw.indexOf(':', raw.includes('/') ? raw.indexOf('/') : 0);
  const name = (colon === -1 ? raw : raw.slice(0, colon)).toLowerCase();
  const args = colon === -1 ? [] : raw.slice(colon + 1).split(',').map((arg) => arg.trim()).filter(Boolean);
  const thumb = name.startsWith('thumb.');
  const format = lookupFormat(thumb ? name.slice('thumb.'.length) : name, raw);
  const target: Target = { format, thumb, options: {}, canonical: '' };
  for (const arg of args) applyArg(target, arg);
  if (thumb && target.width === undefined && target.height === undefined) {
    target.width = DEFAULT_THUMB_SIZE;
    target.height = DEFAULT_THUMB_SIZE;
  }
  checkBox(target);
  target.canonical = canonicalTypestring(target);
  return target;
}

function decodeTypestring(input: string): string {
  try {
    return decodeURIComponent(input);
  } catch {
    throw new InvalidRequestError(`The typestring "${input}" has a malformed %-escape; write % as %25.`);
  }
}

function lookupFormat(name: string, raw: string): Format {
  const format = name.includes('/') ? formatByMime(name) : formatByExt(name);
  if (!format) {
    throw new InvalidRequestError(`Unknown format "${name}" in typestring "${raw}". Use an extension (png, pdf, html, min.js), a MIME type (image/png) or thumb.<ext>; GET /formats lists them.`);
  }
  return format;
}

function applyArg(target: Target, arg: string): void {
  const size = /^(\d*)x(\d*)$/i.exec(arg);
  if (size) {
    if (!size[1] && !size[2]) throw new InvalidRequestError(`Size "${arg}" names no side. Use WxH, Wx or xH, for example 300x200.`);
    target.width = size[1] ? positiveInt('width', size[1], MAX_SIDE) : undefined;
    target.height = size[2] ? positiveInt('height', size[2], MAX_SIDE) : undefined;
    return;
  }
  const eq = arg.indexOf('=');
  if (eq === -1) throw new InvalidRequestError(`Argument "${arg}" is neither a size (300x200) nor an option (key=value). Options: ${OPTION_NAMES.join(', ')}.`);
  const key = arg.slice(0, eq).toLowerCase();
  const value = arg.slice(eq + 1);
  const options = target.options;
  switch (key) {
    case 'fit':
      if (!(FITS as readonly string[]).includes(value.toLowerCase())) throw new InvalidRequestError(`Option fit="${value}" is invalid. Valid values: ${FITS.join(', ')}.`);
      options.fit = value.toLowerCase() as Fit;
      return;
    case 'q':
      options.q = positiveInt('q', value, 100);
      return;
    case 'page':
      options.page = positiveInt('page', value, 100_000);
      return;
    case 't':
      options.t = boundedNumber('t', value, 0, 24 * 3600);
      return;
    case 'bg':
      if (!/^#?([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value)) throw new InvalidRequestError(`Option bg="${value}" is invalid. Use a hex colour: fff, ffffff or ffffff80.`);
      options.bg = value.replace(/^#/, '').toLowerCase();
      return;
    case 'dpr':
      options.dpr = boundedNumber('dpr', value, 1, 3);
      return;
    default:
      throw new InvalidRequestError(`Unknown option "${key}". Valid options: ${OPTION_NAMES.join(', ')}.`);
  }
}

function positiveInt(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidRequestError(`Option ${name}="${value}" is invalid. Use a whole number from 1 to ${max}.`);
  return n;
}

function boundedNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) throw new InvalidRequestError(`Option ${name}="${value}" is invalid. Use a number from ${min} to ${max}.`);
  return n;
}

function checkBox(target: Target): void {
  const dpr = target.options.dpr ?? 1;
  for (const [side, value] of [['width', target.width], ['height', target.height]] as const) {
    if (value !== undefined && value * dpr > MAX_SIDE) {
      throw new InvalidRequestError(`The output ${side} ${value}×${dpr} exceeds ${MAX_SIDE} px. Request a smaller size or dpr.`);
    }
  }
}

export function canonicalTypestring(target: Omit<Target, 'canonical'>): string {
  const name = (target.thumb ? 'thumb.' : '') + target.format.exts[0];
  const args: string[] = [];
  if (target.width !== undefined || target.height !== undefined) args.push(`${target.width ?? ''}x${target.height ?? ''}`);
  for (const key of OPTION_NAMES) {
    const value = target.options[key];
    if (value !== undefined) args.push(`${key}=${value}`);
  }
  return args.length ? `${name}:${args.join(',')}` : name;
}
