// Runs Debian's nginx on the host with docker/nginx.conf, rewritten only for test ports and private paths.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './omnic-container.js';
import { REPO_ROOT } from './images.js';

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/** Each rewrite must match the example exactly once, so the example and this test cannot drift apart. */
function adapt(conf: string, upstreamPort: number, port: number, dir: string): string {
  const rewrites: [RegExp, string][] = [
    [/server omnic:8080;/, `server 127.0.0.1:${upstreamPort};`],
    [/listen 80;/, `listen 127.0.0.1:${port};`],
    [/\/var\/cache\/nginx\/omnic/, join(dir, 'cache')],
    [/pid \/run\/nginx\.pid;/, `pid ${join(dir, 'nginx.pid')};`],
    [/error_log \/var\/log\/nginx\/error\.log/, `error_log ${join(dir, 'error.log')}`],
    [/access_log \/var\/log\/nginx\/access\.log;/, `access_log ${join(dir, 'access.log')};`],
  ];
  for (const [pattern, replacement] of rewrites) {
    if ((conf.match(new RegExp(pattern, 'g')) ?? []).length !== 1) throw new Error(`docker/nginx.conf no longer has exactly one ${pattern}`);
    conf = conf.replace(pattern, replacement);
  }
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(dir, k)};`).join('\n');
  return conf.replace(/^http \{$/m, `http {\n${temp}`);
}

export async function startNginx(upstreamPort: number): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-e2e-nginx-'));
  // Workers run as an unprivileged user when the master is root: they must reach the cache and temp dirs.
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = adapt(await readFile(join(REPO_ROOT, 'docker/nginx.conf'), 'utf8'), upstreamPort, port, dir);
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) break;
    if (child.exitCode !== null || i > 100) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`nginx did not start: ${log}`);
    }
    await sleep(100);
  }
  return {
    url,
    async stop() {
      child.kill('SIGQUIT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
