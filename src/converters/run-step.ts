// Runs one converter step: job directory, deadline, abort, exec bound to the step, tool failures mapped to 422.
import { mkdtempSync } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConversionTimeoutError, InputRejectedError, OmnicError } from '../errors.js';
import { canonicalExt } from '../formats.js';
import type { TargetOptions } from '../typestring.js';
import type { Converter, ResolvedTool, Resize, Step } from './converter.js';
import { execTool, ToolFailedError } from './exec.js';

export interface StepRequest {
  input: string;
  inputBytes?: Buffer;
  from: string;
  to: string;
  options: TargetOptions;
  resize?: Resize;
  /** Where the output must end up (the caller renames it into the cache). */
  output: string;
  /** Parent directory for the step's job directory (same filesystem as the cache). */
  tmpDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
  limits: { maxPixels: number };
  /** Output bytes the converter returns are handed back without writing `output`: the caller writes them. */
  keepBytes?: boolean;
}

export interface StepEnv {
  tools: Record<string, ResolvedTool>;
  /** Logs a tool's stderr on failure (never shown to clients). */
  onToolFailure?: (converter: string, err: ToolFailedError) => void;
}

/** Runs the step; returns the output's bytes when the converter produced them in memory (also in `output` unless `keepBytes`). */
export async function runStep(converter: Converter, env: StepEnv, request: StepRequest): Promise<Buffer | undefined> {
  const timeoutMs = Math.min(request.timeoutMs, converter.timeoutMs ?? Infinity);
  // Made on first use: in-process converters (sharp, esbuild) never touch it, and a thumbnail should not pay for it.
  let workDir: string | undefined;
  const jobDir = () => (workDir ??= mkdtempSync(join(request.tmpDir, `job-${converter.name}-`)));
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
  const step: Step = {
    input: request.input,
    inputBytes: request.inputBytes,
    output: request.output,
    from: request.from,
    to: request.to,
    options: request.options,
    resize: request.resize,
    get workDir() {
      return jobDir();
    },
    signal,
    timeoutMs,
    limits: request.limits,
    exec(toolName, args, options = {}) {
      const tool = env.tools[toolName];
      if (!tool) throw new Error(`Converter ${converter.name} ran undeclared tool ${toolName}.`);
      return execTool(tool.path, args, { cwd: jobDir(), timeoutMs, signal, label: `${converter.name} (${toolName})`, ...options });
    },
  };
  try {
    const bytes = await Promise.race([converter.run(step), rejectOnAbort(signal, converter.name, timeoutMs)]);
    if (bytes?.length) {
      if (!request.keepBytes) await writeFile(request.output, bytes);
      return bytes;
    }
    const written = await stat(request.output).catch(() => undefined);
    if (!written || written.size === 0) {
      throw new InputRejectedError(`The ${converter.name} converter produced no ${canonicalExt(request.to)} output from this ${canonicalExt(request.from)} source; it may be empty, corrupt or unsupported.`);
    }
  } catch (err) {
    throw mapStepError(err, converter, request, env);
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}

function rejectOnAbort(signal: AbortSignal, name: string, timeoutMs: number): Promise<never> {
  return new Promise((_, reject) => {
    const onAbort = () => reject(new ConversionTimeoutError(name, timeoutMs));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function mapStepError(err: unknown, converter: Converter, request: StepRequest, env: StepEnv): unknown {
  if (err instanceof ToolFailedError) {
    env.onToolFailure?.(converter.name, err);
    return new InputRejectedError(
      `The ${converter.name} converter could not turn this ${canonicalExt(request.from)} source into ${canonicalExt(request.to)}: the file is corrupt, truncated, encrypted or not what its type says.`,
      err,
    );
  }
  if (err instanceof OmnicError) return err;
  return err;
}
