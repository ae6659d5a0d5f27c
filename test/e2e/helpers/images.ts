// Builds each Dockerfile target once per tree: tagged by a hash of the build inputs, so re-runs reuse the image.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docker, dockerOk } from './docker.js';

export type Target = 'empty' | 'image' | 'kitchen-sink';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Exactly what .dockerignore lets into the build context. */
const INPUTS = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'src', 'profiles', 'docker'];

async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path);
  const nested = await Promise.all(entries.sort().map((entry) => listFiles(join(path, entry))));
  return nested.flat();
}

/** A hash of every file the build reads (path, mode and bytes). */
export async function buildInputsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of await listFiles(join(REPO_ROOT, input))) {
      const info = await stat(file);
      hash.update(`${relative(REPO_ROOT, file)}\0${info.mode & 0o111 ? 'x' : '-'}\0`);
      hash.update(await readFile(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** PEM of locally added CAs (a TLS-inspecting proxy), passed to the build's npm stage. */
async function extraCaCerts(): Promise<string> {
  const dir = '/usr/local/share/ca-certificates';
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.crt'));
  const pems = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return pems.join('\n');
}

async function build(target: Target, tag: string): Promise<void> {
  const logPath = join(tmpdir(), `omnic-build-${target}.log`);
  const args = ['build', '--network', 'host', '--target', target, '-t', tag, '--build-arg', `EXTRA_CA_CERTS=${await extraCaCerts()}`, '.'];
  const started = Date.now();
  const code = await new Promise<number>((resolve, reject) => {
    const log = createWriteStream(logPath);
    const child = spawn('docker', args, { cwd: REPO_ROOT, env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('close', (status) => log.end(() => resolve(status ?? 1)));
  });
  if (code !== 0) {
    const tail = (await readFile(logPath, 'utf8')).split('\n').slice(-40).join('\n');
    throw new Error(`docker build --target ${target} failed (exit ${code}); full log: ${logPath}\n${tail}`);
  }
  process.stderr.write(`# built ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s (log: ${logPath})\n`);
}

/** Untags this target's images from earlier trees (layers still in use stay), so re-runs do not pile up images. */
async function removeOlderTags(target: Target, keep: string): Promise<void> {
  const tags = (await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'omnic-e2e'])).split('\n');
  const stale = tags.filter((t) => t.startsWith(`omnic-e2e:${target}-`) && t !== keep);
  if (stale.length) await dockerOk(['image', 'rm', ...stale]);
}

const pending = new Map<Target, Promise<string>>();

/** The image tag for a target, built now if this tree's image is missing. OMNIC_E2E_IMAGE_<TARGET> names a prebuilt one. */
export function ensureImage(target: Target): Promise<string> {
  const override = process.env[`OMNIC_E2E_IMAGE_${target.toUpperCase().replace(/-/g, '_')}`];
  if (override) return Promise.resolve(override);
  let promise = pending.get(target);
  if (!promise) {
    promise = (async () => {
      const tag = `omnic-e2e:${target}-${await buildInputsHash()}`;
      if (!(await dockerOk(['image', 'inspect', tag]))) {
        await build(target, tag);
        await removeOlderTags(target, tag);
      }
      return tag;
    })();
    pending.set(target, promise);
  }
  return promise;
}

/** Image size in bytes (docker image inspect). */
export async function imageSize(tag: string): Promise<number> {
  return Number((await docker(['image', 'inspect', '--format', '{{.Size}}', tag])).trim());
}
