// The CLI's commands other than serve; each returns its exit code.
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createCache } from './cache.js';
import { loadConfig } from './config.js';
import { allToolNames, createConverters } from './converters/index.js';
import { MissingToolError, resolveTools, toolsOf } from './converters/tools.js';
import { formatsReport } from './formats-report.js';
import { buildGraph } from './graph.js';
import { start } from './main.js';
import { loadProfile } from './profiles.js';
import { normalizeSourceUrl } from './resolvers/source-url.js';
import { signMediaUrl } from './signing.js';
import { parseTypestring } from './typestring.js';
import { createLogger } from './log.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function config() {
  return loadConfig(process.env, allToolNames());
}

export function signCommand(args: string[], values: { exp?: string; ttl?: string; key?: string; base?: string }): number {
  const [typestring, url] = args;
  if (!typestring || !url) {
    err('usage: omnic sign <typestring> <url> [--exp unix-seconds | --ttl seconds] [--key K] [--base https://omnic.example.com]');
    return 2;
  }
  const key = values.key ?? config().signingKeys[0];
  if (!key) {
    err('No signing key: set OMNIC_SIGNING_KEYS or pass --key.');
    return 2;
  }
  for (const [name, value] of [['--exp', values.exp], ['--ttl', values.ttl]] as const) {
    if (value !== undefined && !/^\d+$/.test(value)) {
      err(`${name} must be a whole number of seconds, not "${value}".`);
      return 2;
    }
  }
  const exp = values.exp ? Number(values.exp) : values.ttl ? Math.floor(Date.now() / 1000) + Number(values.ttl) : undefined;
  out(signMediaUrl({ typestring, url, key, exp, base: values.base }));
  return 0;
}

export async function formatsCommand(args: string[], json: boolean): Promise<number> {
  const profile = await loadProfile(config().profile);
  const report = formatsReport(buildGraph(createConverters(profile.converters), profile), profile.name);
  const only = args[0]?.toLowerCase();
  const inputs = only ? report.inputs.filter((i) => i.ext === only || i.mime === only) : report.inputs;
  if (json) {
    out(JSON.stringify({ ...report, inputs }, null, 2));
    return 0;
  }
  out(`profile ${report.profile}: ${report.inputs.length} input types`);
  for (const input of inputs) {
    out(`${input.ext.padEnd(8)} ${input.mime}${input.thumbnails ? '  [thumb]' : ''}`);
    for (const o of input.outputs) out(`    → ${o.ext.padEnd(8)} via ${o.steps.join('>')}`);
  }
  if (only && inputs.length === 0) {
    err(`The profile does not accept "${only}".`);
    return 1;
  }
  return 0;
}

export async function doctorCommand(): Promise<number> {
  const cfg = config();
  const profile = await loadProfile(cfg.profile);
  const converters = createConverters(profile.converters);
  out(`profile ${profile.name} (${profile.source}): ${converters.map((c) => c.name).join(', ') || 'no converters'}`);
  let missing = 0;
  for (const converter of converters) {
    if (converter.libraryVersion) out(`  ok       ${converter.name.padEnd(12)} ${converter.libraryVersion}`);
  }
  for (const { tool, converter } of toolsOf(converters)) {
    const overrides = cfg.bins[tool.name] ? { [tool.name]: cfg.bins[tool.name]! } : {};
    try {
      const found = (await resolveTools([{ ...converters.find((c) => c.name === converter)!, tools: [tool] }], overrides))[tool.name]!;
      out(`  ok       ${tool.name.padEnd(12)} ${found.version}  (${found.path}, converter ${converter})`);
    } catch (e) {
      if (!(e instanceof MissingToolError)) throw e;
      missing++;
      out(`  MISSING  ${tool.name.padEnd(12)} install Debian package "${tool.package}" (converter ${converter})`);
    }
  }
  out(missing ? `${missing} tool(s) missing: omnic will not start with this profile.` : 'All tools found.');
  return missing ? 1 : 0;
}

export async function cacheCommand(args: string[]): Promise<number> {
  const cfg = config();
  const [action, url] = args;
  const cache = await createCache(cfg.cache);
  const show = () => {
    const s = cache.stats();
    out(`${cfg.cache.dir}: ${s.entries} entries, ${s.bytes} bytes of ${s.maxBytes} (${((100 * s.bytes) / s.maxBytes).toFixed(1)}%)`);
  };
  switch (action) {
    case 'stats':
      show();
      return 0;
    case 'prune':
      out(`evicted ${cache.prune(Math.floor(cfg.cache.maxBytes * 0.9))} entries`);
      show();
      return 0;
    case 'clear':
      if (url) out(`removed ${await cache.deleteSource(normalizeSourceUrl(url).href)} entries for ${url}`);
      else await cache.clear();
      show();
      return 0;
    default:
      err('usage: omnic cache stats|prune|clear [url]');
      return 2;
  }
}

/** Runs the real server on a loopback port for the duration of one command. */
async function withLocalServer<T>(fn: (base: string) => Promise<T>): Promise<T> {
  const omnic = await start({
    env: { ...process.env, OMNIC_HOST: '127.0.0.1', OMNIC_PORT: '0', OMNIC_METRICS_PORT: '0', OMNIC_WAIT_MS: String(24 * 3600 * 1000), OMNIC_SIGNING_KEYS: '' },
    log: createLogger({ level: process.env.OMNIC_LOG_LEVEL ?? 'warn', format: 'text' }),
  });
  try {
    return await fn(omnic.url);
  } finally {
    await omnic.stop();
  }
}

export async function convertCommand(args: string[], output?: string): Promise<number> {
  const [source, typestring] = args;
  if (!source || !typestring) {
    err('usage: omnic convert <file|url> <typestring> [-o out]');
    return 2;
  }
  const target = parseTypestring(typestring);
  const isFile = await stat(source).then((s) => s.isFile(), () => false);
  const dest = output ?? `${basename(isFile ? source : new URL(normalizeSourceUrl(source)).pathname || 'output').replace(/\.[^.]*$/, '')}.${target.format.exts[0]}`;
  const progress = process.stderr.isTTY ? startProgress(`converting ${source} → ${target.canonical}`) : () => {};
  try {
    const res = await withLocalServer((base) =>
      isFile
        ? fetch(`${base}/convert/${encodeURIComponent(target.canonical)}?filename=${encodeURIComponent(basename(source))}`, {
            method: 'POST',
            body: createReadStream(source) as unknown as BodyInit,
            duplex: 'half',
          } as RequestInit)
        : fetch(`${base}/media/${target.canonical}/?url=${encodeURIComponent(source)}`).then(async (r) => new Response(await r.arrayBuffer(), r)),
    );
    const body = Buffer.from(await res.arrayBuffer());
    progress();
    if (res.status !== 200) {
      const problem = JSON.parse(body.toString('utf8') || '{}') as { error?: string; message?: string };
      err(`omnic: ${res.status} ${problem.error ?? ''}: ${problem.message ?? ''}`);
      return 1;
    }
    await writeFile(dest, body);
    err(`wrote ${dest} (${body.length} bytes, ${res.headers.get('content-type')}, path ${res.headers.get('x-omnic-path')})`);
    return 0;
  } finally {
    progress();
  }
}

function startProgress(label: string): () => void {
  const started = Date.now();
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const timer = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)}s`), 100);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

export async function precacheCommand(args: string[]): Promise<number> {
  const [url, ...typestrings] = args;
  if (!url || typestrings.length === 0) {
    err('usage: omnic precache <url> <typestring>…');
    return 2;
  }
  let failed = 0;
  await withLocalServer(async (base) => {
    for (const typestring of typestrings) {
      const canonical = parseTypestring(typestring).canonical;
      const res = await fetch(`${base}/media/${canonical}/?url=${encodeURIComponent(url)}`);
      await res.arrayBuffer();
      out(`${res.status} ${canonical} ${res.headers.get('x-omnic-path') ?? ''}`);
      if (res.status !== 200) failed++;
    }
  });
  return failed ? 1 : 0;
}
