// Core benchmark (not a test): cached /media hits vs nginx static, and cold thumbnails vs vipsthumbnail and ImageMagick.
// Run: node --import tsx bench/core.ts   (needs Debian nginx, wrk, libvips-tools, imagemagick, mate-backgrounds)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';

const run = promisify(execFile);
const PHOTOS = process.env.BENCH_PHOTOS ?? '/usr/share/backgrounds/mate/nature';
const DURATION = process.env.BENCH_DURATION ?? '10s';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '32';
const NGINX_PORT = 18081;
const OMNIC_PORT = 18082;
const THUMB = 'thumb.jpg:300x200';

async function which(cmd: string): Promise<string> {
  for (const dir of ['/usr/sbin', '/usr/bin']) {
    try {
      await run('test', ['-x', join(dir, cmd)]);
      return join(dir, cmd);
    } catch {}
  }
  throw new Error(`bench needs ${cmd} (apt-get install nginx wrk libvips-tools imagemagick mate-backgrounds)`);
}

async function startNginx(root: string, work: string): Promise<ChildProcess> {
  const conf = join(work, 'nginx.conf');
  await writeFile(conf, `worker_processes auto; daemon off; pid ${work}/nginx.pid; error_log ${work}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { image/jpeg jpg; image/webp webp; }
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  server { listen 127.0.0.1:${NGINX_PORT}; root ${root}; } }`);
  const nginx = spawn(await which('nginx'), ['-c', conf], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return nginx;
}

async function startOmnic(cacheDir: string, workers: string): Promise<{ child: ChildProcess; url: string }> {
  // Request logs off (warn), like nginx's access_log off: both sides serve, neither writes a line per request.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: { ...process.env, OMNIC_PORT: String(OMNIC_PORT), OMNIC_HOST: '127.0.0.1', OMNIC_CACHE_DIR: cacheDir, OMNIC_ALLOW_PRIVATE_NETWORKS: 'true', OMNIC_LOG_LEVEL: 'warn', OMNIC_WAIT_MS: '600000', OMNIC_WORKERS: workers },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${OMNIC_PORT}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('omnic did not become ready');
}

async function wrk(url: string): Promise<number> {
  const { stdout } = await run(await which('wrk'), ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}`, url]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// The second omnic run uses this OMNIC_WORKERS (nginx runs `worker_processes auto`).
const WORKERS = process.env.BENCH_WORKERS ?? 'auto';

/** Seconds for the whole set, the median of ROUNDS rounds (the machine is shared, single rounds are noisy). */
async function timeEach(files: string[], fn: (file: string, i: number, round: number) => Promise<unknown>): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < files.length; i++) await fn(files[i]!, i, round);
    rounds.push((performance.now() - started) / 1000);
  }
  return rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'omnic-bench-'));
  const root = join(work, 'www');
  await mkdir(root);
  await chmod(work, 0o755); // nginx workers run as an unprivileged user

  const photos = (await readdir(PHOTOS)).filter((f) => /\.jpe?g$/i.test(f)).sort();
  for (const photo of photos) await copyFile(join(PHOTOS, photo), join(root, photo));
  const nginx = await startNginx(root, work);
  const source = (photo: string) => `http://127.0.0.1:${NGINX_PORT}/${photo}`;
  try {
    // (b) the CLIs: one process per photo, as they are used from a script.
    const vips = await which('vipsthumbnail');
    const vipsCold = await timeEach(photos, (photo, i) =>
      run(vips, [join(root, photo), '--size', '300x200', '--smartcrop', 'centre', '-o', join(work, `vips-${i}.jpg[Q=80]`)]),
    );
    const magick = await which('convert-im6.q16').catch(() => which('magick'));
    const magickCold = await timeEach(photos, (photo, i) =>
      run(magick, [join(root, photo), '-auto-orient', '-thumbnail', '300x200^', '-gravity', 'center', '-extent', '300x200', '-quality', '80', join(work, `im-${i}.jpg`)]),
    );

    // omnic twice: the default single process, then OMNIC_WORKERS=auto (one HTTP worker per CPU, like nginx's
    // `worker_processes auto`, plus the converting process). Each gets (b) cold thumbnails and (a) cached hits.
    const omnicRuns: { label: string; cold: number; rps: number; thumbBytes: number }[] = [];
    for (const [label, workers] of [['OMNIC_WORKERS=1 (default)', '1'], [`OMNIC_WORKERS=${WORKERS}`, WORKERS]] as const) {
      const omnic = await startOmnic(join(work, `cache-${workers}`), workers);
      try {
        // Each round asks for other source URLs (the query differs), so every omnic request is cold: download, detect, convert.
        const media = (photo: string, round = 0) => `${omnic.url}/media/${THUMB}/?url=${encodeURIComponent(round ? `${source(photo)}?round=${round}` : source(photo))}`;
        // A running server is warm (JIT, libvips start-up) while each CLI run starts from scratch: warm omnic up on
        // URLs that share no cache entry with the timed ones (the query makes the source key differ).
        for (const photo of photos.slice(0, 2)) await (await request(`${omnic.url}/media/${THUMB}/?url=${encodeURIComponent(`${source(photo)}?warm-up`)}`)).body.arrayBuffer();
        // (b) cold thumbnails: every photo once per round, nothing cached, one at a time.
        const cold = await timeEach(photos, async (photo, _i, round) => {
          // undici's request(), the client under Node's fetch without the WHATWG layer: what curl is to a shell script.
          const res = await request(media(photo, round));
          if (res.statusCode !== 200) throw new Error(`omnic answered ${res.statusCode} for ${photo}`);
          await res.body.arrayBuffer();
        });
        // (a) cached hits: the first photo's thumbnail, a result-cache hit.
        const thumb = Buffer.from(await (await fetch(media(photos[0]!))).arrayBuffer());
        await writeFile(join(root, 'thumb.jpg'), thumb);
        omnicRuns.push({ label, cold, rps: await wrk(media(photos[0]!)), thumbBytes: thumb.length });
      } finally {
        omnic.child.kill('SIGTERM');
        await new Promise((r) => omnic.child.once('exit', r));
      }
    }
    // (a) the same thumbnail bytes as a static file from nginx.
    const nginxRps = await wrk(`http://127.0.0.1:${NGINX_PORT}/thumb.jpg`);

    const cpu = cpus()[0]?.model ?? 'unknown';
    const pad = (label: string) => label.padEnd(32);
    const lines = [
      `machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
      `photos: ${photos.length} JPEGs from ${PHOTOS} (1280×1024 to 2560×1920), target ${THUMB}`,
      '',
      `(a) cached hit, ${omnicRuns[0]!.thumbBytes}-byte thumbnail, wrk -t1 -c${CONNECTIONS} -d${DURATION}:`,
      ...omnicRuns.map((r) => `    omnic ${pad(r.label)} ${r.rps.toFixed(0).padStart(6)} req/s   omnic/nginx = ${(r.rps / nginxRps).toFixed(2)}`),
      `    nginx ${pad('(worker_processes auto)')} ${nginxRps.toFixed(0).padStart(6)} req/s   (target omnic/nginx ≥ 0.5)`,
      '',
      `(b) cold thumbnails, ${photos.length} photos one after another (total seconds, median of ${ROUNDS} rounds):`,
      ...omnicRuns.map((r) => `    omnic ${pad(r.label)} ${r.cold.toFixed(2)} s (${((1000 * r.cold) / photos.length).toFixed(0)} ms/photo)   omnic/vipsthumbnail = ${(r.cold / vipsCold).toFixed(2)}   ImageMagick/omnic = ${(magickCold / r.cold).toFixed(2)}`),
      `    vipsthumbnail --smartcrop centre       ${vipsCold.toFixed(2)} s`,
      `    ImageMagick -thumbnail + -extent       ${magickCold.toFixed(2)} s`,
      `    (targets: omnic/vipsthumbnail ≤ 1.3, ImageMagick/omnic ≥ 5; download from nginx, detection and caching included for omnic)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    nginx.kill('SIGQUIT');
    await new Promise((r) => setTimeout(r, 500));
    await rm(work, { recursive: true, force: true });
  }
}

await main();
