// Boots a real omnic in-process on a loopback port with a private temp cache, or as an `omnic serve` process, for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger } from '../../src/log.js';
import { start, type Omnic } from '../../src/main.js';

export interface TestOmnic extends Omnic {
  cacheDir: string;
  get(path: string, init?: RequestInit): Promise<Response>;
  /** A metric's value from /metrics (sum over series matching the label filter). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startOmnic(env: Record<string, string> = {}): Promise<TestOmnic> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'omnic-it-'));
  const omnic = await start({
    env: { OMNIC_HOST: '127.0.0.1', OMNIC_PORT: '0', OMNIC_CACHE_DIR: cacheDir, OMNIC_ALLOW_PRIVATE_NETWORKS: 'true', OMNIC_PROFILE: 'image', ...env },
    log: silentLogger(),
  });
  return {
    ...omnic,
    cacheDir,
    get: (path, init) => fetch(`${omnic.url}${path}`, init),
    async metric(name, labels = {}) {
      const text = await (await fetch(`${omnic.url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const match = /^([a-z_]+)(\{([^}]*)\})? ([\d.e+-]+)$/.exec(line);
        if (!match || match[1] !== name) continue;
        const have = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[4]);
      }
      return sum;
    },
    async close() {
      await omnic.stop();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

export function mediaPath(typestring: string, url: string, extra = ''): string {
  return `/media/${typestring}/?url=${encodeURIComponent(url)}${extra}`;
}

/** Runs `omnic serve` as its own process on a loopback port (OMNIC_PORT=0) and resolves with its URL once it listens. */
export async function serveProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { ...process.env, OMNIC_PORT: '0', OMNIC_HOST: '127.0.0.1', OMNIC_ALLOW_PRIVATE_NETWORKS: 'true', OMNIC_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"omnic listening"')) resolve(JSON.parse(line).url);
    });
    child.once('exit', (code) => reject(new Error(`omnic exited early with ${code}`)));
  });
  return { child, url };
}
