// The omnic command line as a user runs it: sign, formats, doctor, convert (file and URL), cache stats and clear.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { verifySignature } from '../../src/signing.js';
import { makeJpeg } from '../helpers/images.js';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { assertImage } from '../helpers/probe.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli.ts');
// Resolved here, so the CLI can run with any working directory.
const TSX = import.meta.resolve('tsx');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `omnic <args>` with only the given OMNIC_* variables (none inherited from this process). */
async function omnic(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OMNIC_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, CLI, ...args], { env: { ...base, OMNIC_LOG_LEVEL: 'error', ...env }, cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

let dir: string;
let photo: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnic-cli-'));
  photo = join(dir, 'holiday photo.jpg');
  await writeFile(photo, await makeJpeg(640, 480));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('omnic sign', { concurrency: 3 }, () => {
  const url = 'https://files.example.com/q3-report.docx';

  it('prints a canonical /media path whose signature verifies', async () => {
    const { code, stdout } = await omnic(['sign', 'THUMB.WEBP:q=70,300x200', url], { OMNIC_SIGNING_KEYS: 'first-key,second-key' });
    assert.equal(code, 0);
    const path = stdout.trim();
    assert.match(path, /^\/media\/thumb\.webp:300x200,q=70\/\?url=/);
    const params = new URL(path, 'http://omnic.test').searchParams;
    assert.equal(params.get('url'), url);
    assert.equal(params.get('exp'), null);
    verifySignature(['first-key'], 'thumb.webp:300x200,q=70', url, params.get('sig')!, undefined);
    assert.throws(() => verifySignature(['second-key'], 'thumb.webp:300x200,q=70', url, params.get('sig')!, undefined), /does not match/);
  });

  it('--ttl adds an exp in the future that is part of the signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { code, stdout } = await omnic(['sign', 'png', url, '--ttl', '3600', '--key', 'cli-key', '--base', 'https://omnic.example.com']);
    assert.equal(code, 0);
    const signed = new URL(stdout.trim());
    assert.equal(signed.origin, 'https://omnic.example.com');
    const exp = Number(signed.searchParams.get('exp'));
    assert.ok(exp >= now + 3600 && exp <= now + 3700, `exp ${exp} is not an hour from now`);
    verifySignature(['cli-key'], 'png', url, signed.searchParams.get('sig')!, String(exp));
  });

  it('a non-numeric --exp or --ttl exits 2 instead of printing a URL that can never verify', async () => {
    const [exp, ttl] = await Promise.all([omnic(['sign', 'png', url, '--key', 'k', '--exp', 'tomorrow']), omnic(['sign', 'png', url, '--key', 'k', '--ttl', 'an hour'])]);
    assert.equal(exp.code, 2, exp.stdout);
    assert.doesNotMatch(exp.stdout, /exp=NaN/);
    assert.equal(ttl.code, 2, ttl.stdout);
  });

  it('without a key exits 2 and says how to provide one', async () => {
    const { code, stdout, stderr } = await omnic(['sign', 'png', url]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /No signing key: set OMNIC_SIGNING_KEYS or pass --key/);
  });

  it('without arguments exits 2 with its usage; an unknown command exits 2', async () => {
    const [missing, unknown] = await Promise.all([omnic(['sign', 'png'], { OMNIC_SIGNING_KEYS: 'k' }), omnic(['transmogrify'])]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /usage: omnic sign <typestring> <url>/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "transmogrify"/);
  });
});

describe('omnic formats and doctor', { concurrency: 3 }, () => {
  it('formats (image profile) lists jpg → webp through sharp', async () => {
    const { code, stdout } = await omnic(['formats'], { OMNIC_PROFILE: 'image' });
    assert.equal(code, 0);
    assert.match(stdout, /^profile image: \d+ input types/);
    assert.match(stdout, /^jpg\s+image\/jpeg\s+\[thumb\]$/m);
    assert.match(stdout, /→ webp\s+via jpg>webp/);
    assert.ok(!/application\/pdf/.test(stdout), 'the image profile does not read PDF');
  });

  it('formats jpg --json is JSON about jpg only', async () => {
    const { code, stdout } = await omnic(['formats', 'jpg', '--json'], { OMNIC_PROFILE: 'image' });
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as { profile: string; inputs: { ext: string; mime: string; thumbnails: boolean; outputs: { ext: string; steps: string[] }[] }[] };
    assert.equal(report.profile, 'image');
    assert.deepEqual(report.inputs.map((i) => i.ext), ['jpg']);
    assert.equal(report.inputs[0]!.thumbnails, true);
    const webp = report.inputs[0]!.outputs.find((o) => o.ext === 'webp');
    assert.deepEqual(webp?.steps, ['jpg', 'webp']);
  });

  it('formats of a type the profile does not accept exits 1', async () => {
    const { code, stderr } = await omnic(['formats', 'docx'], { OMNIC_PROFILE: 'image' });
    assert.equal(code, 1);
    assert.match(stderr, /does not accept "docx"/);
  });

  it('doctor with the image profile finds everything and exits 0', async () => {
    const { code, stdout } = await omnic(['doctor'], { OMNIC_PROFILE: 'image' });
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^profile image .*: sharp$/m);
    assert.match(stdout, /ok\s+sharp\s+sharp \d+\.\d+\.\d+ libvips \d+\.\d+/);
    assert.match(stdout, /All tools found\./);
  });

  it('doctor with a profile whose tool is missing exits 1 and names the Debian package', async () => {
    const profile = join(dir, 'pdf-pages.json');
    await writeFile(profile, JSON.stringify({ name: 'pdf-pages', converters: ['poppler'], inputs: ['application/pdf'], outputs: ['image/*'] }));
    const { code, stdout } = await omnic(['doctor'], { OMNIC_PROFILE: profile, OMNIC_BIN_PDFTOPPM: '/nonexistent/pdftoppm' });
    assert.equal(code, 1, stdout);
    assert.match(stdout, /^profile pdf-pages /m);
    assert.match(stdout, /MISSING\s+pdftoppm\s+install Debian package "poppler-utils" \(converter poppler\)/);
    assert.match(stdout, /tool\(s\) missing: omnic will not start with this profile/);
  });

  it('a bad configuration value stops the command and names the variable', async () => {
    const { code, stderr } = await omnic(['doctor'], { OMNIC_LOG_FORMAT: 'xml' });
    assert.equal(code, 1);
    assert.match(stderr, /OMNIC_LOG_FORMAT/);
  });
});

describe('omnic convert and cache', { concurrency: 2 }, () => {
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
    origin.route('/photos/beach.jpg', { body: await makeJpeg(800, 600), type: 'image/jpeg' });
  });
  after(async () => {
    await origin.close();
  });

  it('convert <file> thumb.png:64x64 -o out.png writes a 64×64 PNG', async () => {
    const cacheDir = await mkdtemp(join(dir, 'cache-file-'));
    const out = join(dir, 'thumb-out.png');
    const { code, stderr } = await omnic(['convert', photo, 'thumb.png:64x64', '-o', out], { OMNIC_PROFILE: 'image', OMNIC_CACHE_DIR: cacheDir });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /wrote .*thumb-out\.png \(\d+ bytes, image\/png, path jpg>thumb\.png\)/);
    await assertImage(out, { format: 'png', width: 64, height: 64 });
  });

  it('convert <url> png fetches from a local origin when private networks are allowed; refused otherwise', async () => {
    const cacheDir = await mkdtemp(join(dir, 'cache-url-'));
    const out = join(dir, 'beach.png');
    const env = { OMNIC_PROFILE: 'image', OMNIC_CACHE_DIR: cacheDir };
    const allowed = await omnic(['convert', origin.url('/photos/beach.jpg'), 'png', '-o', out], { ...env, OMNIC_ALLOW_PRIVATE_NETWORKS: 'true' });
    assert.equal(allowed.code, 0, allowed.stderr);
    await assertImage(out, { format: 'png', width: 800, height: 600 });
    assert.equal(origin.hits('/photos/beach.jpg'), 1);
    const refused = await omnic(['convert', origin.url('/photos/beach.jpg'), 'png', '-o', join(dir, 'refused.png')], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /403 forbidden_source/);
    assert.equal(origin.hits('/photos/beach.jpg'), 1, 'a refused source must not be fetched');
  });

  it('convert without -o names the output after the source, in the current directory', async () => {
    const work = await mkdtemp(join(dir, 'cwd-'));
    const { code, stderr } = await omnic(['convert', photo, 'webp:100x'], { OMNIC_PROFILE: 'image', OMNIC_CACHE_DIR: join(work, 'cache') }, work);
    assert.equal(code, 0, stderr);
    assert.ok((await readdir(work)).includes('holiday photo.webp'));
    await assertImage(join(work, 'holiday photo.webp'), { format: 'webp', width: 100, height: 75 });
  });

  it('convert with a bad typestring exits non-zero naming the option', async () => {
    const { code, stderr } = await omnic(['convert', photo, 'png:zoom=2'], { OMNIC_PROFILE: 'image', OMNIC_CACHE_DIR: join(dir, 'unused-cache') });
    assert.notEqual(code, 0);
    assert.match(stderr, /Unknown option "zoom"/);
  });

  it('cache stats shows entries after a conversion, and cache clear empties it', async () => {
    const cacheDir = await mkdtemp(join(dir, 'cache-stats-'));
    const env = { OMNIC_PROFILE: 'image', OMNIC_CACHE_DIR: cacheDir };
    const empty = await omnic(['cache', 'stats'], env);
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /: 0 entries, 0 bytes of 10737418240/);
    const converted = await omnic(['convert', photo, 'thumb.webp:32x32', '-o', join(dir, 'stats.webp')], env);
    assert.equal(converted.code, 0, converted.stderr);
    const stats = await omnic(['cache', 'stats'], env);
    const match = /: (\d+) entries, (\d+) bytes/.exec(stats.stdout);
    assert.ok(match, stats.stdout);
    assert.ok(Number(match[1]) > 0 && Number(match[2]) > 0, stats.stdout);
    const cleared = await omnic(['cache', 'clear'], env);
    assert.equal(cleared.code, 0);
    assert.match(cleared.stdout, /: 0 entries, 0 bytes/);
    assert.match((await omnic(['cache', 'stats'], env)).stdout, /: 0 entries, 0 bytes/);
    const bad = await omnic(['cache', 'explode'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /usage: omnic cache stats\|prune\|clear/);
  });
});
