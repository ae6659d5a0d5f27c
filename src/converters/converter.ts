// The converter contract: what every file under src/converters/ declares and implements.
import type { Logger } from 'winston';
import type { Fit, OptionName, TargetOptions } from '../typestring.js';
import type { ExecOptions, ExecResult } from './exec.js';

/** A conversion the converter can do, between canonical MIME types of formats.ts. */
export interface Edge {
  from: string;
  to: string;
  /** Relative effort; a path's cost is the sum, ties go to fewer steps. */
  cost: number;
}

/** A system binary a converter needs; found at boot, `OMNIC_BIN_<NAME>` overrides its path. */
export interface ToolSpec {
  /** Lower-case id, also the env suffix: `pdftoppm` → OMNIC_BIN_PDFTOPPM. */
  name: string;
  /** Command names tried in order on PATH (defaults to [name]). */
  candidates?: string[];
  /** The Debian package that provides it, named in boot errors and `omnic doctor`. */
  package: string;
  /** Arguments that make it print its version (first line of stdout/stderr is kept). */
  versionArgs: string[];
}

export interface ResolvedTool {
  name: string;
  path: string;
  version: string;
  package: string;
}

/** What a converter receives once at boot. */
export interface ConverterRuntime {
  tools: Record<string, ResolvedTool>;
  /** This converter's slice of the configuration (config.converters[name]), or {}. */
  settings: Record<string, unknown>;
  limits: { maxPixels: number };
  log: Logger;
  /** Counts a restart of a long-lived helper process (omnic_converter_restarts_total). */
  onRestart: () => void;
}

export interface Resize {
  width?: number;
  height?: number;
  fit: Fit;
  /** Thumbnails fill their box even from smaller sources; plain sizes never upscale. */
  enlarge: boolean;
  /** Where a cover crop keeps: the top of pages (documents, code, listings), the centre of pictures. */
  anchor?: 'top' | 'centre';
}

/** One step of one job: convert `input` (type `from`) into `output` (type `to`). */
export interface Step {
  input: string;
  /** The input's bytes, when the pipeline already holds them in memory (in-process converters may use them). */
  inputBytes?: Buffer;
  output: string;
  from: string;
  to: string;
  /** The request's options; only those the converter declares are part of its cache key. */
  options: TargetOptions;
  /** Set on the final step of a sized or thumbnail target (always a sharp step). */
  resize?: Resize;
  /** A private job directory, the cwd of every tool; created on first use, removed after the step. */
  workDir: string;
  /** Aborted at the step's deadline or on forced shutdown. */
  signal: AbortSignal;
  /** Milliseconds left before the deadline. */
  timeoutMs: number;
  limits: { maxPixels: number };
  /** Runs one of the converter's tools through the shared wrapper, in workDir, bound to this step's deadline. */
  exec(tool: string, args: string[], options?: Partial<ExecOptions>): Promise<ExecResult>;
}

export interface Converter {
  readonly name: string;
  readonly tools: readonly ToolSpec[];
  readonly edges: readonly Edge[];
  /** Options that change this converter's output (page, t, q…). */
  readonly options: readonly OptionName[];
  /** At most this many steps at once (defaults to OMNIC_CONCURRENCY). */
  readonly concurrency?: number;
  /** Per-step deadline in ms (capped by OMNIC_CONVERSION_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Runs from `step.inputBytes` when it has them, so the input's file may still be on its way to the cache. */
  readonly readsBytes?: boolean;
  /** Version of an in-process library (sharp, esbuild); tool versions are captured separately. */
  readonly libraryVersion?: string;
  start?(runtime: ConverterRuntime): Promise<void>;
  stop?(): Promise<void>;
  /** Writes `step.output`, or returns the output bytes for the runner to write (and to keep answering from memory). */
  run(step: Step): Promise<void | Buffer>;
}
