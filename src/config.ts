// The one configuration schema (convict, environment only); loadConfig() returns a frozen, typed object.
import { availableParallelism } from 'node:os';
import convict from 'convict';
import { envSuffix } from './converters/tools.js';

export interface Config {
  profile: string;
  host: string;
  port: number;
  workers: number;
  metricsPort: number;
  cache: { dir: string; maxBytes: number };
  egress: {
    allowedHosts: string[];
    allowPrivateNetworks: boolean;
    maxSourceBytes: number;
    downloadTimeoutMs: number;
    maxRedirects: number;
  };
  signingKeys: string[];
  maxSourcePixels: number;
  concurrency: number;
  queueSize: number;
  waitMs: number;
  conversionTimeoutMs: number;
  failureTtlMs: number;
  resultMaxAge: number;
  shutdownGraceMs: number;
  log: { level: string; format: 'json' | 'text' };
  adminToken: string;
  bins: Record<string, string>;
  converters: {
    libreoffice: { poolSize: number; recycleAfter: number };
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** Parses `50MB`, `10GiB`, `1048576`. */
export function parseBytes(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(String(value));
  if (!match) return NaN;
  return Math.round(Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()]!);
}

const list = {
  name: 'comma-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a comma-separated list');
  },
  coerce: (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean),
};
const bytes = {
  name: 'bytes',
  validate(value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Error('must be a positive size such as 50MB, 10GiB or 1048576');
  },
  coerce: parseBytes,
};
const positive = {
  name: 'positive-int',
  validate(value: unknown) {
    if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be a whole number ≥ 1');
  },
  coerce: (value: string) => Number(value),
};
// convict's Boolean turns every string but "false" into true (OMNIC_ALLOW_PRIVATE_NETWORKS=0 would mean yes).
const FLAGS: Record<string, boolean> = { true: true, '1': true, yes: true, on: true, false: false, '0': false, no: false, off: false, '': false };
const flag = {
  name: 'flag',
  validate(value: unknown) {
    if (typeof value !== 'boolean') throw new Error('must be true or false (1/0, yes/no, on/off)');
  },
  coerce: (value: string) => FLAGS[value.trim().toLowerCase()] ?? value,
};
const workers = {
  name: 'workers',
  validate(value: unknown) {
    if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be auto or a whole number ≥ 1');
  },
  coerce: (value: string) => (value.trim().toLowerCase() === 'auto' ? availableParallelism() : Number(value)),
};
convict.addFormats({ 'comma-list': list, bytes, 'positive-int': positive, flag, workers });

function key<T>(env: string, doc: string, format: unknown, defaultValue: T, extra: Record<string, unknown> = {}) {
  return { doc, format, default: defaultValue, env: `OMNIC_${env}`, ...extra };
}

/** The convict schema; `toolNames` adds one OMNIC_BIN_<NAME> override per converter binary. */
export function configSchema(toolNames: readonly string[] = []) {
  return {
    profile: key('PROFILE', 'Profile name (kitchen-sink, image, empty) or path to a profile JSON file.', String, 'image'),
    host: key('HOST', 'Listen address.', String, '0.0.0.0'),
    port: key('PORT', 'Listen port.', 'port', 8080),
    workers: key('WORKERS', 'HTTP processes (auto: one per CPU). Above 1, that many processes share the port and answer cached results; one more converts.', 'workers', 1),
    metricsPort: key('METRICS_PORT', 'Separate port for /metrics; 0 serves it on the main port.', 'port', 0),
    cache: {
      dir: key('CACHE_DIR', 'Cache root: sources, every step, results.', String, './.cache'),
      maxBytes: key('CACHE_MAX_BYTES', 'Cache size cap; least recently used entries are evicted past it (10GiB, 500MB…).', 'bytes', 10 * 2 ** 30),
    },
    egress: {
      allowedHosts: key('ALLOWED_HOSTS', 'Comma list of source host globs (*.example.com); empty allows any public host.', 'comma-list', [] as string[]),
      allowPrivateNetworks: key('ALLOW_PRIVATE_NETWORKS', 'Allow loopback, private, link-local, CGNAT and ULA sources on any port (tests, intranets).', 'flag', false),
      maxSourceBytes: key('MAX_SOURCE_BYTES', 'Largest source download or upload (50MB, 1GiB…).', 'bytes', 50_000_000),
      downloadTimeoutMs: key('DOWNLOAD_TIMEOUT_MS', 'Deadline for a whole source download, in ms.', 'positive-int', 15_000),
      maxRedirects: key('MAX_REDIRECTS', 'Redirects followed per download.', 'nat', 5),
    },
    signingKeys: key('SIGNING_KEYS', 'Comma list of HMAC keys; when set, /media requires sig. The first signs, all verify.', 'comma-list', [] as string[], { sensitive: true }),
    maxSourcePixels: key('MAX_SOURCE_PIXELS', 'Largest decoded image, in pixels.', 'positive-int', 50_000_000),
    concurrency: key('CONCURRENCY', 'Conversion jobs running at once.', 'positive-int', availableParallelism()),
    queueSize: key('QUEUE_SIZE', 'Jobs waiting for a slot before new ones get 429.', 'nat', 64),
    waitMs: key('WAIT_MS', 'How long /media waits for a result before answering 202 with a placeholder.', 'nat', 10_000),
    conversionTimeoutMs: key('CONVERSION_TIMEOUT_MS', 'Deadline of one conversion step, in ms.', 'positive-int', 60_000),
    failureTtlMs: key('FAILURE_TTL_MS', 'How long a failed conversion is remembered and answered from memory, in ms.', 'nat', 60_000),
    resultMaxAge: key('RESULT_MAX_AGE', 'Cache-Control max-age of results, in seconds.', 'nat', 31_536_000),
    shutdownGraceMs: key('SHUTDOWN_GRACE_MS', 'After SIGTERM, how long in-flight work may run before children are killed, in ms.', 'nat', 25_000),
    log: {
      level: key('LOG_LEVEL', 'winston level.', ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'], 'info'),
      format: key('LOG_FORMAT', 'json (one object per line) or text.', ['json', 'text'], 'json'),
    },
    adminToken: key('ADMIN_TOKEN', 'Enables /admin/ behind this bearer token.', String, '', { sensitive: true }),
    bins: Object.fromEntries(
      toolNames.map((name) => [name, key(`BIN_${envSuffix(name)}`, `Path of the ${name} binary (default: found on PATH).`, String, '')]),
    ),
    converters: {
      libreoffice: {
        poolSize: key('LIBREOFFICE_POOL_SIZE', 'Warm LibreOffice listeners.', 'positive-int', 2),
        recycleAfter: key('LIBREOFFICE_RECYCLE_AFTER', 'Conversions before a LibreOffice listener is restarted.', 'positive-int', 200),
      },
    },
  };
}

/** Every environment variable the schema declares (docs, Helm tests). */
export function configEnvNames(toolNames: readonly string[] = []): string[] {
  const names: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    for (const value of Object.values(node)) {
      const entry = value as Record<string, unknown>;
      if (typeof entry.env === 'string') names.push(entry.env);
      else walk(entry);
    }
  };
  walk(configSchema(toolNames));
  return names;
}

export function loadConfig(env: NodeJS.ProcessEnv, toolNames: readonly string[] = []): Readonly<Config> {
  const schema = configSchema(toolNames);
  const config = convict(schema as never, { env, args: [] });
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(explain(err as Error, schema));
  }
  return deepFreeze(config.getProperties() as unknown as Config);
}

/** Rewrites convict's `cache.maxBytes: …` lines to name the environment variable. */
function explain(err: Error, schema: Record<string, unknown>): string {
  return err.message
    .split('\n')
    .map((line) => {
      const match = /^([\w.]+): (.*)$/.exec(line);
      if (!match) return line;
      const entry = match[1]!.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], schema) as { env?: string } | undefined;
      return `${entry?.env ?? match[1]}: ${match[2]}`;
    })
    .join('\n');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
