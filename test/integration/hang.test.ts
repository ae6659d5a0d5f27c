// A converter that never finishes (gs on `{} loop`) is killed at its deadline with 503 conversion_timeout and leaves no process behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConversionTimeoutError } from '../../src/errors.js';
import { createGhostscriptConverter } from '../../src/converters/ghostscript.js';
import { runStep } from '../../src/converters/run-step.js';
import { resolveTools } from '../../src/converters/tools.js';
import { hanging } from '../fixtures/zoo/registry/documents.js';
import { zooPath } from '../fixtures/zoo/specimen.js';
import { startOmnic } from '../helpers/omnic.js';

const run = promisify(execFile);
const DEADLINE_MS = 1500;
const LOOP = zooPath(hanging[0]!.file);

/** Processes (pid, pgid, command line) whose command line contains `needle`, this test's private path. */
async function processesWith(needle: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,pgid,stat,args', '--no-headers']);
  return stdout.split('\n').filter((line) => line.includes(needle) && !/\bps -eo\b/.test(line));
}

/** Polls until a process with `needle` shows up: proves the check below would see a leftover one. */
async function waitForProcess(needle: string): Promise<string[]> {
  for (let i = 0; i < 40; i++) {
    const found = await processesWith(needle);
    if (found.length) return found;
    await sleep(25);
  }
  return [];
}

async function ghostscriptTools(t: TestContext) {
  try {
    return await resolveTools([createGhostscriptConverter()], {});
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    t.skip((err as Error).message);
    return undefined;
  }
}

test('a hanging gs step is killed at its deadline: ConversionTimeoutError 503, no process left', async (t) => {
  const tools = await ghostscriptTools(t);
  if (!tools) return;
  const dir = await mkdtemp(join(tmpdir(), 'omnic-hang-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const input = join(dir, 'loop.ps');
  await copyFile(LOOP, input);
  const started = Date.now();
  const step = runStep(createGhostscriptConverter(), { tools }, {
    input, from: 'application/postscript', to: 'application/pdf', options: {}, output: join(dir, 'out.pdf'),
    tmpDir: dir, timeoutMs: DEADLINE_MS, limits: { maxPixels: 50_000_000 },
  });
  const running = await waitForProcess(input);
  assert.equal(running.length, 1, 'gs should be running on the looping file');
  await assert.rejects(step, (err: unknown) => {
    assert.ok(err instanceof ConversionTimeoutError, `expected ConversionTimeoutError, got ${String(err)}`);
    assert.equal(err.status, 503);
    assert.equal(err.code, 'conversion_timeout');
    assert.ok(err.headers['Retry-After']);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= DEADLINE_MS - 50 && elapsed < DEADLINE_MS + 2000, `killed after ${elapsed} ms, deadline ${DEADLINE_MS} ms`);
  assert.deepEqual(await processesWith(input), [], 'a gs process outlived its deadline');
  // The killed group is gone, not merely orphaned: its pid does not exist any more.
  const pid = Number(running[0]!.trim().split(/\s+/)[0]);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

test('POST /convert/pdf of a looping PostScript answers 503 conversion_timeout at the deadline and leaves no gs behind', async (t) => {
  if (!(await ghostscriptTools(t))) return;
  const dir = await mkdtemp(join(tmpdir(), 'omnic-hang-app-'));
  const profile = join(dir, 'gs-only.json');
  await writeFile(profile, JSON.stringify({ name: 'gs-only', description: 'hang test', converters: ['ghostscript'], inputs: ['*/*'], outputs: ['*/*'], limits: {} }));
  const omnic = await startOmnic({ OMNIC_PROFILE: profile, OMNIC_CONVERSION_TIMEOUT_MS: String(DEADLINE_MS) });
  t.after(async () => {
    await omnic.close();
    await rm(dir, { recursive: true, force: true });
  });
  const started = Date.now();
  const response = omnic.get('/convert/pdf', { method: 'POST', body: await readFile(LOOP), headers: { 'Content-Type': 'application/postscript' } });
  // The source lands in this server's private cache dir, so its path names only this test's processes.
  assert.equal((await waitForProcess(omnic.cacheDir)).length, 1, 'gs should be running on the uploaded file');
  const res = await response;
  const elapsed = Date.now() - started;
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error, 'conversion_timeout');
  assert.ok(res.headers.get('retry-after'), 'Retry-After missing');
  assert.ok(elapsed >= DEADLINE_MS - 50 && elapsed < DEADLINE_MS + 3000, `answered after ${elapsed} ms`);
  assert.deepEqual(await processesWith(omnic.cacheDir), [], 'a gs process outlived its deadline');
});
