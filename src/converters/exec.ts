// The one child-process wrapper: own process group, deadline, whole-group kill, capped stderr, scrubbed env, no stdin.
import { execa } from 'execa';
import { ConversionTimeoutError } from '../errors.js';

export interface ExecOptions {
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Extra environment on top of the scrubbed base (PATH, HOME and TMPDIR = cwd, LANG). */
  env?: Record<string, string>;
  /** Keep stdout (capped at maxStdoutBytes); otherwise it is discarded. */
  captureStdout?: boolean;
  maxStdoutBytes?: number;
  maxStderrBytes?: number;
  /** Name used in the timeout message (defaults to the command's basename). */
  label?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** A tool exited non-zero or was killed by a signal; `stderr` is for logs only, never for clients. */
export class ToolFailedError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly signalName: string | undefined,
    readonly stderr: string,
  ) {
    super(`${command} failed (${signalName ? `signal ${signalName}` : `exit ${exitCode}`})`);
    this.name = 'ToolFailedError';
  }
}

const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function scrubbedEnv(cwd: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: BASE_PATH, HOME: cwd, TMPDIR: cwd, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...extra };
}

export async function execTool(file: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  const label = options.label ?? file.split('/').pop() ?? file;
  const child = execa(file, args, {
    cwd: options.cwd,
    env: scrubbedEnv(options.cwd, options.env),
    extendEnv: false,
    stdin: 'ignore',
    stdout: options.captureStdout ? 'pipe' : 'ignore',
    stderr: 'pipe',
    buffer: false,
    detached: true,
    reject: false,
    windowsHide: true,
  });
  const stdout = options.captureStdout ? capture(child.stdout, options.maxStdoutBytes ?? 64 * 1024 * 1024) : undefined;
  const stderr = capture(child.stderr, options.maxStderrBytes ?? 16 * 1024);
  let timedOut = false;
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const onDeadline = () => {
    timedOut = true;
    killGroup();
  };
  const timer = setTimeout(onDeadline, Math.max(1, options.timeoutMs));
  // A grandchild that keeps stderr open would hold the promise until the deadline: end the group when the child exits.
  child.on('exit', killGroup);
  options.signal?.addEventListener('abort', onDeadline, { once: true });
  try {
    const result = await child;
    if (timedOut) throw new ConversionTimeoutError(label, options.timeoutMs);
    const err = stderr.text();
    if (result.exitCode === undefined && !result.signal) {
      // The tool never ran (ENOENT, EMFILE, EAGAIN): a fault of this server, not of the input.
      throw new Error(`${label} could not be started: ${result.originalMessage ?? result.message}`);
    }
    if (result.failed || result.exitCode !== 0) {
      throw new ToolFailedError(label, result.exitCode, result.signal, err);
    }
    return { stdout: stdout?.text() ?? '', stderr: err };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onDeadline);
    // Tools that fork (soffice, xvfb-run) can leave children in the group: reap them all.
    killGroup();
  }
}

function capture(stream: NodeJS.ReadableStream | null | undefined, maxBytes: number): { text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer) => {
    if (size >= maxBytes) return;
    const part = chunk.subarray(0, maxBytes - size);
    chunks.push(part);
    size += part.length;
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

export interface DaemonOptions {
  cwd: string;
  /** Extra environment on top of the scrubbed base. */
  env?: Record<string, string>;
  maxStderrBytes?: number;
}

/** A long-lived child in its own process group (a warm listener); `kill()` ends the whole group. */
export interface Daemon {
  readonly pid: number;
  /** Settles when the child exits, however it ends. */
  readonly exited: Promise<{ exitCode?: number; signal?: string }>;
  /** The first maxStderrBytes of its stderr, for logs only. */
  stderr(): string;
  kill(): void;
}

/** Spawns a long-lived helper under the same rules as execTool (no stdin, scrubbed env, capped stderr), without a deadline. */
export function spawnDaemon(file: string, args: string[], options: DaemonOptions): Daemon {
  const child = execa(file, args, {
    cwd: options.cwd,
    env: scrubbedEnv(options.cwd, options.env),
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: false,
    detached: true,
    reject: false,
    windowsHide: true,
  });
  if (child.pid === undefined) throw new Error(`Could not start ${file}.`);
  const pid = child.pid;
  const stderr = capture(child.stderr, options.maxStderrBytes ?? 16 * 1024);
  const kill = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  // A forking tool (soffice → oosplash → soffice.bin) may leave its group behind when the parent exits: end it too.
  const exited = child.then((r) => {
    kill();
    return { exitCode: r.exitCode, signal: r.signal };
  });
  return { pid, exited, stderr: stderr.text, kill };
}
