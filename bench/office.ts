// Office benchmark (not a test): documents per minute to thumb.png:200x200, warm UNO pool vs cold `soffice --convert-to pdf`, 2 clients.
// Run: node --import tsx bench/office.ts   (corpus: node --import tsx bench/corpus/office/generate.ts; needs LibreOffice, python3-uno, poppler-utils)
import { readFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { ResolvedTool } from '../src/converters/converter.js';
import { execTool } from '../src/converters/exec.js';
import { createLibreofficeConverter } from '../src/converters/libreoffice.js';
import { runStep } from '../src/converters/run-step.js';
import { resolveTools } from '../src/converters/tools.js';
import { formatByFilename } from '../src/formats.js';
import { silentLogger } from '../src/log.js';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), 'corpus', 'office');
const CLIENTS = 2;
const ROUNDS: Record<string, number> = { 'one-page': Number(process.env.BENCH_ROUNDS_SHORT ?? 4), long: Number(process.env.BENCH_ROUNDS_LONG ?? 2) };
const TIMEOUT_MS = 120_000;

type Job = (file: string, client: number, work: string) => Promise<string>;
interface Result { klass: string; docs: number; seconds: number; failures: number }

/** The shared last mile of both paths: page 1 by pdftoppm, then a 200×200 cover crop by sharp. */
async function rasterise(pdf: string, work: string): Promise<string> {
  const prefix = join(work, 'page');
  await execTool('pdftoppm', ['-f', '1', '-l', '1', '-png', '-singlefile', '-scale-to', '400', pdf, prefix], { cwd: work, timeoutMs: TIMEOUT_MS });
  const thumb = join(work, 'thumb.png');
  await sharp(`${prefix}.png`).resize(200, 200, { fit: 'cover' }).png().toFile(thumb);
  return thumb;
}

/** A thumbnail counts only when it is a 200×200 PNG that is not blank. */
async function valid(thumb: string): Promise<boolean> {
  const image = sharp(await readFile(thumb));
  const meta = await image.metadata();
  const stats = await image.greyscale().stats();
  return meta.format === 'png' && meta.width === 200 && meta.height === 200 && (stats.channels[0]?.stdev ?? 0) > 2;
}

async function measure(klass: string, files: string[], job: Job, scratch: string): Promise<Result> {
  const queue = Array.from({ length: ROUNDS[klass]! }, () => files).flat();
  const total = queue.length;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        const work = await mkdtemp(join(scratch, `c${client}-`));
        try {
          if (!(await valid(await job(file, client, work)))) failures++;
        } catch (err) {
          failures++;
          console.error(`  ${basename(file)}: ${(err as Error).message}`);
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      }
    }),
  );
  return { klass, docs: total, seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
}

async function corpus(): Promise<Record<string, string[]>> {
  const classes: Record<string, string[]> = {};
  for (const klass of Object.keys(ROUNDS)) {
    const dir = join(CORPUS, klass);
    const names = await readdir(dir).catch(() => []);
    if (!names.length) throw new Error(`No corpus in ${dir}: run node --import tsx bench/corpus/office/generate.ts`);
    classes[klass] = names.sort().map((n) => join(dir, n));
  }
  return classes;
}

/** Warm: the converter's pool (started and given one document of each type per listener before timing). */
async function warmRun(tools: Record<string, ResolvedTool>, classes: Record<string, string[]>, scratch: string): Promise<Result[]> {
  const converter = createLibreofficeConverter({ tmpDir: scratch });
  await converter.start!({ tools, settings: { poolSize: CLIENTS, recycleAfter: 200 }, limits: { maxPixels: 50e6 }, log: silentLogger(), onRestart: () => {} });
  const job: Job = async (file, _client, work) => {
    const output = join(work, 'doc.pdf');
    await runStep(converter, { tools }, { input: file, from: formatByFilename(file)!.mime, to: 'application/pdf', options: {}, output, tmpDir: work, timeoutMs: TIMEOUT_MS, limits: { maxPixels: 50e6 } });
    return rasterise(output, work);
  };
  try {
    const firsts = classes['one-page']!.filter((f, i, all) => all.findIndex((g) => g.split('.').pop() === f.split('.').pop()) === i);
    await measure('one-page', firsts, job, scratch);
    const results: Result[] = [];
    for (const [klass, files] of Object.entries(classes)) results.push(await measure(klass, files, job, scratch));
    return results;
  } finally {
    await converter.stop!();
  }
}

/** Cold: one `soffice --convert-to pdf` per document; each client keeps its own profile, created before timing. */
async function coldRun(tools: Record<string, ResolvedTool>, classes: Record<string, string[]>, scratch: string): Promise<Result[]> {
  const profiles = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => mkdir(join(scratch, `profile-${c}`), { recursive: true }).then(() => join(scratch, `profile-${c}`))));
  const job: Job = async (file, client, work) => {
    await execTool(tools.soffice!.path, [`-env:UserInstallation=file://${profiles[client]}`, '--headless', '--convert-to', 'pdf', '--outdir', work, file], { cwd: work, timeoutMs: TIMEOUT_MS });
    return rasterise(join(work, basename(file).replace(/\.[^.]+$/, '.pdf')), work);
  };
  await Promise.all(profiles.map((_, c) => mkdtemp(join(scratch, 'w-')).then((w) => job(classes['one-page']![0]!, c, w))));
  const results: Result[] = [];
  for (const [klass, files] of Object.entries(classes)) results.push(await measure(klass, files, job, scratch));
  return results;
}

async function pagesOf(files: string[], tools: Record<string, ResolvedTool>, scratch: string): Promise<string> {
  const out = await mkdtemp(join(scratch, 'pages-'));
  const profile = join(scratch, 'profile-0');
  await execTool(tools.soffice!.path, [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', out, ...files], { cwd: out, timeoutMs: TIMEOUT_MS * 4 });
  const counts = await Promise.all(files.map(async (f) => {
    const { stdout } = await execTool('pdfinfo', [join(out, basename(f).replace(/\.[^.]+$/, '.pdf'))], { cwd: out, timeoutMs: 10_000, captureStdout: true });
    return `${basename(f)} (${/Pages:\s+(\d+)/.exec(stdout)?.[1]} p)`;
  }));
  return counts.join(', ');
}

async function main(): Promise<void> {
  const classes = await corpus();
  const tools = await resolveTools([createLibreofficeConverter()], {});
  const scratch = await mkdtemp(join(tmpdir(), 'omnic-bench-office-'));
  try {
    const cpu = (await readFile('/proc/cpuinfo', 'utf8')).match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
    console.log(`machine: ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, load average ${loadavg()[0]!.toFixed(1)} at start; ${tools.soffice!.version}; ${CLIENTS} clients`);
    const cold = await coldRun(tools, classes, scratch);
    const warm = await warmRun(tools, classes, scratch);
    for (const [klass, files] of Object.entries(classes)) console.log(`corpus ${klass}: ${await pagesOf(files, tools, scratch)}`);
    console.log('\n| class | documents | cold docs/min | warm docs/min | speed-up | failures (cold/warm) |\n|---|---|---|---|---|---|');
    for (const w of warm) {
      const c = cold.find((r) => r.klass === w.klass)!;
      const rate = (r: Result) => (r.docs / r.seconds) * 60;
      console.log(`| ${w.klass} | ${w.docs} | ${rate(c).toFixed(1)} | ${rate(w).toFixed(1)} | ${(rate(w) / rate(c)).toFixed(2)}× | ${c.failures}/${w.failures} |`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
