// execTool: failures with capped stderr, deadlines and aborts that kill the whole process group, scrubbed env, no stdin.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execTool, scrubbedEnv, spawnDaemon, ToolFailedError } from '../../../src/converters/exec.js';
import { ConversionTimeoutError } from '../../../src/errors.js';

let cwd: string;
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'omnic-exec-'));
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const sh = (script: string, options: Partial<Parameters<typeof execTool>[2]> = {}) => execTool('/bin/sh', ['-c', script], { cwd, timeoutMs: 10_000, ...options });

/** Whether a pid is a live process (a zombie waiting for PID 1 to reap it counts as dead). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return false;
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** Live members of a process group, from /proc. */
async function groupMembers(pgid: number): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const members: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(name));
  }
  return members;
}

/** Reads pids the script wrote (`echo $$ > sh.pid; … echo $! > bg.pid`), waiting for them to appear. */
async function pidFile(name: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(join(cwd, name), 'utf8').catch(() => '');
    if (/^\d+\s*$/.test(text)) return Number(text);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${name} never appeared`);
}

// A regression in group killing would otherwise hang on the 30 s sleeps: fail fast instead.
const BOUNDED = { timeout: 10_000 };

describe('execTool', () => {
  it('returns stdout when asked, runs in cwd, and discards stdout otherwise', async () => {
    assert.equal((await sh('pwd', { captureStdout: true })).stdout.trim(), cwd);
    assert.equal((await sh('echo hello')).stdout, '');
    const capped = await sh('head -c 100000 /dev/zero | tr "\\0" y', { captureStdout: true, maxStdoutBytes: 1000 });
    assert.equal(capped.stdout.length, 1000);
  });

  it('a non-zero exit is a ToolFailedError with the exit code and stderr capped', async () => {
    await assert.rejects(sh('echo "bad header" >&2; head -c 50000 /dev/zero | tr "\\0" e >&2; exit 3', { maxStderrBytes: 2048, label: 'mytool' }), (err: unknown) => {
      assert.ok(err instanceof ToolFailedError);
      assert.equal(err.exitCode, 3);
      assert.equal(err.signalName, undefined);
      assert.equal(err.command, 'mytool');
      assert.match(err.message, /mytool failed \(exit 3\)/);
      assert.ok(err.stderr.startsWith('bad header\n'));
      assert.equal(err.stderr.length, 2048);
      return true;
    });
  });

  it('a tool killed by a signal is a ToolFailedError naming the signal', async () => {
    await assert.rejects(sh('kill -SEGV $$'), (err: unknown) => err instanceof ToolFailedError && err.signalName === 'SIGSEGV' && /signal SIGSEGV/.test(err.message));
  });

  it('a missing binary is an error of the server, not a ToolFailedError (which would blame the input)', async () => {
    await assert.rejects(execTool('/nonexistent/tool', [], { cwd, timeoutMs: 5000 }), (err: unknown) => err instanceof Error && !(err instanceof ToolFailedError));
  });

  it('a hanging tool is killed at the deadline with ConversionTimeoutError, and no process of its group survives', BOUNDED, async () => {
    const started = performance.now();
    const running = sh('echo $$ > sh.pid; sleep 30 & echo $! > bg.pid; sleep 30', { timeoutMs: 400, label: 'sleepy' });
    const shPid = await pidFile('sh.pid');
    const bgPid = await pidFile('bg.pid');
    assert.ok(await alive(bgPid));
    await assert.rejects(running, (err: unknown) => err instanceof ConversionTimeoutError && err.status === 503 && /sleepy step ran past its 400 ms deadline/.test(err.message));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 3000, `took ${elapsed} ms to give up`);
    assert.deepEqual(await groupMembers(shPid), [], 'members of the process group survived');
    assert.equal(await alive(bgPid), false, 'the background sleep survived');
  });

  it('an abort signal kills the whole group at once', BOUNDED, async () => {
    const controller = new AbortController();
    const running = sh('echo $$ > abort-sh.pid; sleep 30 & echo $! > abort-bg.pid; sleep 30', { signal: controller.signal });
    const shPid = await pidFile('abort-sh.pid');
    const bgPid = await pidFile('abort-bg.pid');
    const started = performance.now();
    controller.abort();
    await assert.rejects(running, ConversionTimeoutError);
    assert.ok(performance.now() - started < 2000);
    assert.deepEqual(await groupMembers(shPid), []);
    assert.equal(await alive(bgPid), false);
  });

  it('a tool that exits while a child of it keeps running returns at once, and the child is killed', BOUNDED, async () => {
    const started = performance.now();
    await sh('sleep 30 & echo $! > orphan.pid; exit 0', { timeoutMs: 20_000 });
    assert.ok(performance.now() - started < 3000, 'waited for the orphaned grandchild');
    const orphan = await pidFile('orphan.pid');
    for (let i = 0; i < 50 && (await alive(orphan)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await alive(orphan), false, 'the grandchild outlived its tool');
  });

  it('the environment is scrubbed: nothing leaks from process.env, HOME and TMPDIR are the job dir', async () => {
    process.env.OMNIC_TEST_SECRET = 'do-not-leak';
    try {
      const { stdout } = await sh('env', { captureStdout: true, env: { EXTRA_FOR_TOOL: 'yes' } });
      const env = Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      assert.equal(env.OMNIC_TEST_SECRET, undefined);
      assert.ok(!stdout.includes('do-not-leak'));
      assert.equal(env.HOME, cwd);
      assert.equal(env.TMPDIR, cwd);
      assert.equal(env.EXTRA_FOR_TOOL, 'yes');
      assert.equal(env.PATH, scrubbedEnv(cwd).PATH);
      const allowed = new Set(['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'EXTRA_FOR_TOOL', 'PWD', 'SHLVL', '_', 'OLDPWD']);
      const extra = Object.keys(env).filter((k) => !allowed.has(k));
      assert.deepEqual(extra, [], `unexpected variables reached the tool: ${extra.join(', ')}`);
    } finally {
      delete process.env.OMNIC_TEST_SECRET;
    }
  });

  it('stdin is not readable: cat ends at once with nothing', async () => {
    const started = performance.now();
    const { stdout } = await execTool('/bin/cat', [], { cwd, timeoutMs: 5000, captureStdout: true });
    assert.equal(stdout, '');
    assert.ok(performance.now() - started < 2000);
  });

  it('the tool runs in its own process group, not omnic\'s', async () => {
    const { stdout } = await sh('ps -o pgid= -p $$', { captureStdout: true });
    assert.notEqual(Number(stdout.trim()), Number((await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ')[2]));
  });
});

describe('spawnDaemon', () => {
  it('kill() ends the daemon and its whole group', BOUNDED, async () => {
    const daemon = spawnDaemon('/bin/sh', ['-c', 'sleep 30 & echo $! > daemon-bg.pid; sleep 30'], { cwd });
    const bgPid = await pidFile('daemon-bg.pid');
    assert.ok(await alive(daemon.pid));
    daemon.kill();
    const exit = await daemon.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.deepEqual(await groupMembers(daemon.pid), []);
    assert.equal(await alive(bgPid), false);
  });
});
