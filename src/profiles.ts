// Loads a profile (built-in name or JSON file path) and rejects unknown keys or converters at boot.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONVERTER_FACTORIES } from './converters/index.js';

export interface ProfileLimits {
  maxSourceBytes?: number;
  maxSourcePixels?: number;
  conversionTimeoutMs?: number;
}

export interface Profile {
  name: string;
  description: string;
  converters: string[];
  /** MIME globs of accepted sources (`image/*`, `application/pdf`, `*\/*`). */
  inputs: string[];
  /** MIME globs of allowed targets. */
  outputs: string[];
  limits: ProfileLimits;
  /** Where it was read from. */
  source: string;
}

/** Names what a profile allows: results are cached under it, so a changed profile never serves what it now forbids. */
export function profileScope(profile: Omit<Profile, 'source' | 'description'>): string {
  const { name, converters, inputs, outputs, limits } = profile;
  return createHash('sha256').update(JSON.stringify({ name, converters, inputs, outputs, limits })).digest('hex').slice(0, 16);
}

export const PROFILES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../profiles');
export const BUILT_IN_PROFILES = ['kitchen-sink', 'image', 'empty'] as const;

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

const KEYS = ['name', 'description', 'converters', 'inputs', 'outputs', 'limits'];
const LIMIT_KEYS = ['maxSourceBytes', 'maxSourcePixels', 'conversionTimeoutMs'];

export async function loadProfile(nameOrPath: string): Promise<Profile> {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!isPath && !(BUILT_IN_PROFILES as readonly string[]).includes(nameOrPath)) {
    throw new ProfileError(`Unknown profile "${nameOrPath}". Use one of ${BUILT_IN_PROFILES.join(', ')} or a path to a profile JSON file.`);
  }
  const source = isPath ? resolve(nameOrPath) : join(PROFILES_DIR, `${nameOrPath}.json`);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    throw new ProfileError(`Cannot read profile file ${source}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(`Profile ${source} is not valid JSON: ${(err as Error).message}`);
  }
  return { ...validateProfile(raw, source), source };
}

export function validateProfile(raw: unknown, where = 'profile'): Omit<Profile, 'source'> {
  const fail = (why: string): never => {
    throw new ProfileError(`${where}: ${why}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('must be a JSON object');
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!KEYS.includes(key)) fail(`unknown key "${key}"; valid keys: ${KEYS.join(', ')}`);
  if (typeof obj.name !== 'string' || !obj.name) fail('"name" must be a non-empty string');
  const strings = (key: string): string[] => {
    const value = obj[key] ?? [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(`"${key}" must be an array of strings`);
    return value as string[];
  };
  const converters = strings('converters');
  const known = Object.keys(CONVERTER_FACTORIES);
  for (const name of converters) if (!known.includes(name)) fail(`unknown converter "${name}"; known converters: ${known.join(', ')}`);
  const inputs = strings('inputs');
  const outputs = strings('outputs');
  for (const glob of [...inputs, ...outputs]) if (!/^([\w.+-]+|\*)\/([\w.+-]+|\*)$/.test(glob)) fail(`"${glob}" is not a MIME type or glob (image/png, image/*, */*)`);
  const limits = (obj.limits ?? {}) as Record<string, unknown>;
  if (typeof limits !== 'object' || Array.isArray(limits)) fail('"limits" must be an object');
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_KEYS.includes(key)) fail(`unknown limit "${key}"; valid limits: ${LIMIT_KEYS.join(', ')}`);
    if (!Number.isInteger(value) || (value as number) < 1) fail(`limit "${key}" must be a whole number ≥ 1`);
  }
  return {
    name: obj.name as string,
    description: typeof obj.description === 'string' ? obj.description : '',
    converters,
    inputs,
    outputs,
    limits: limits as ProfileLimits,
  };
}

export function mimeMatches(globs: readonly string[], mime: string): boolean {
  const [type, subtype] = mime.split('/');
  return globs.some((glob) => {
    const [gType, gSub] = glob.toLowerCase().split('/');
    return (gType === '*' || gType === type) && (gSub === '*' || gSub === subtype);
  });
}
