// The libreoffice converter with its real soffice pool: every office specimen to PDF, hostile input, hardening, recycling, restarts, clean stop.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createLibreofficeConverter } from '../../../src/converters/libreoffice.js';
import { runStep } from '../../../src/converters/run-step.js';
import { MissingToolError, resolveTools } from '../../../src/converters/tools.js';
import { ConversionTimeoutError, InputRejectedError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { HOSTILE, SPECIMENS, zooPath } from '../../fixtures/zoo/index.js';
import { assertPdf } from '../../helpers/probe.js';

const OFFICE = SPECIMENS.filter((s) => s.converter === 'libreoffice');
const PDF = 'application/pdf';

/** Starts the converter with its real tools and counts restarts; skips (fails under CI=true) when a tool is missing. */
async function start(t: TestContext, settings: Record<string, unknown>) {
  const converter = createLibreofficeConverter();
  let tools;
  try {
    tools = await resolveTools([converter], {});
  } catch (err) {
    if (err instanceof MissingToolError && process.env.CI !== 'true') return void t.skip(err.message);
    throw err;
  }
  const dir = await mkdtemp(join(tmpdir(), 'omnic-lo-test-'));
  const state = { restarts: 0 };
  await converter.start!({ tools, settings, limits: { maxPixels: 50e6 }, log: silentLogger(), onRestart: () => state.restarts++ });
  const root = converter.pool!.root;
  let n = 0;
  const convert = async (input: string, from: string, timeoutMs = 60_000) => {
    const output = join(dir, `out-${n++}.pdf`);
    await runStep(converter, { tools }, { input, from, to: PDF, options: {}, output, tmpDir: dir, timeoutMs, limits: { maxPixels: 50e6 } });
    return output;
  };
  t.after(async () => {
    await converter.stop!();
    await rm(dir, { recursive: true, force: true });
  });
  return { converter, convert, state, root, dir };
}

/** Live soffice.bin processes whose command line names this pool's directory (zombies have none). */
async function listenerPids(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(root) && cmdline.split('\0')[0]!.endsWith('soffice.bin')) pids.push(Number(entry));
  }
  return pids;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('every office specimen becomes a PDF with its pages and text', async (t) => {
  const lo = await start(t, { poolSize: 2, recycleAfter: 200 });
  if (!lo) return;
  assert.ok(OFFICE.length >= 20, `only ${OFFICE.length} office specimens`);
  await Promise.all(
    OFFICE.map((specimen) =>
      t.test(specimen.name, async () => {
        const output = await lo.convert(zooPath(specimen.file), specimen.mime);
        await assertPdf(output, { pages: specimen.natural!.expect.pages, text: specimen.natural!.expect.text });
      }),
    ),
  );
});

test('hostile office files are rejected as input_rejected and the pool keeps working', async (t) => {
  const lo = await start(t, { poolSize: 1, recycleAfter: 200 });
  if (!lo) return;
  const mimes: Record<string, string> = { docx: OFFICE.find((s) => s.name === 'docx-letter')!.mime, xlsx: OFFICE.find((s) => s.name === 'xlsx-budget')!.mime, ppt: OFFICE.find((s) => s.name === 'ppt-deck')!.mime };
  for (const hostile of HOSTILE.filter((h) => h.converter === 'libreoffice')) {
    const mime = mimes[hostile.file.split('.').pop()!]!;
    await assert.rejects(lo.convert(zooPath(hostile.file), mime), InputRejectedError, hostile.name);
  }
  await assertPdf(await lo.convert(zooPath('files/office/letter.docx'), mimes.docx!), { pages: 1, text: ['Dear Ms. Lovelace'] });
  assert.equal(lo.state.restarts, 0);
});

test('HTML and plain text convert, and a remote image in HTML is never fetched', async (t) => {
  const lo = await start(t, { poolSize: 1, recycleAfter: 200 });
  if (!lo) return;
  let hits = 0;
  const server = createServer((_, res) => (hits++, res.end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const html = join(lo.dir, 'page.html');
  await writeFile(html, `<html><body><h1>Hello Omnic</h1><img src="http://127.0.0.1:${port}/beacon.png"><p>After the image</p></body></html>`);
  await assertPdf(await lo.convert(html, 'text/html'), { pages: 1, text: ['Hello Omnic', 'After the image'] });
  const txt = join(lo.dir, 'notes.txt');
  await writeFile(txt, 'Plain notes\nZürich line two\n');
  await assertPdf(await lo.convert(txt, 'text/plain'), { pages: 1, text: ['Plain notes', 'Zürich line two'] });
  assert.equal(hits, 0, 'LibreOffice fetched a remote image');
});

test('a listener is recycled after recycleAfter conversions, without counting a restart', async (t) => {
  const lo = await start(t, { poolSize: 1, recycleAfter: 2 });
  if (!lo) return;
  const letter = OFFICE.find((s) => s.name === 'odt-letter')!;
  const [first] = await listenerPids(lo.root);
  assert.ok(first, 'no listener running');
  await lo.convert(zooPath(letter.file), letter.mime);
  assert.deepEqual(await listenerPids(lo.root), [first]);
  await lo.convert(zooPath(letter.file), letter.mime);
  await until('a new listener', async () => {
    const pids = await listenerPids(lo.root);
    return pids.length === 1 && pids[0] !== first;
  });
  await assertPdf(await lo.convert(zooPath(letter.file), letter.mime), { pages: 1 });
  assert.equal(lo.state.restarts, 0);
});

test('kill -9 of an idle listener restarts it and the next job succeeds', async (t) => {
  const lo = await start(t, { poolSize: 2, recycleAfter: 200 });
  if (!lo) return;
  const [victim] = await listenerPids(lo.root);
  process.kill(victim!, 'SIGKILL');
  await until('a restart', async () => lo.state.restarts === 1 && (await listenerPids(lo.root)).length === 2);
  assert.ok(!(await listenerPids(lo.root)).includes(victim!));
  const deck = OFFICE.find((s) => s.name === 'pptx-deck')!;
  await Promise.all([1, 2, 3].map(async () => assertPdf(await lo.convert(zooPath(deck.file), deck.mime), { pages: 3 })));
});

test('a hung listener fails only its job at the deadline; a crash mid-job fails only that job', async (t) => {
  const lo = await start(t, { poolSize: 1, recycleAfter: 200 });
  if (!lo) return;
  const letter = OFFICE.find((s) => s.name === 'docx-letter')!;
  const [hung] = await listenerPids(lo.root);
  process.kill(hung!, 'SIGSTOP');
  await assert.rejects(lo.convert(zooPath(letter.file), letter.mime, 3_000), ConversionTimeoutError);
  await until('the hung listener gone', async () => !(await listenerPids(lo.root)).includes(hung!));
  await assertPdf(await lo.convert(zooPath(letter.file), letter.mime), { pages: 1 });
  const [crashing] = await listenerPids(lo.root);
  process.kill(crashing!, 'SIGSTOP');
  const job = lo.convert(zooPath(letter.file), letter.mime);
  await new Promise((r) => setTimeout(r, 300));
  process.kill(crashing!, 'SIGKILL');
  await assert.rejects(job, InputRejectedError);
  await assertPdf(await lo.convert(zooPath(letter.file), letter.mime), { pages: 1 });
  assert.equal(lo.state.restarts, 2);
});

test('stop() leaves no soffice process behind', async (t) => {
  const lo = await start(t, { poolSize: 2, recycleAfter: 200 });
  if (!lo) return;
  assert.equal((await listenerPids(lo.root)).length, 2);
  await lo.converter.stop!();
  assert.deepEqual(await listenerPids(lo.root), []);
  // Nor the unix sockets soffice leaves in /tmp when it is killed.
  const sockets = (await readdir('/tmp')).filter((name) => name.startsWith('OSL_PIPE_') && name.endsWith(`-${process.pid}`));
  assert.deepEqual(sockets, []);
});
