// Runs one converter outside the app, the way jobs.ts does, for converter-level tests.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Converter, Resize } from '../../src/converters/converter.js';
import { runStep } from '../../src/converters/run-step.js';
import { MissingToolError, resolveTools } from '../../src/converters/tools.js';
import { canonicalExt } from '../../src/formats.js';
import { silentLogger } from '../../src/log.js';
import type { TargetOptions } from '../../src/typestring.js';

export interface Harness {
  convert(input: string, from: string, to: string, options?: TargetOptions, resize?: Resize): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a converter with its real tools. When a tool is missing the test is skipped with the reason,
 * except in CI (CI=true), where a missing tool fails the test: CI installs every converter.
 */
export async function startConverter(t: TestContext, converter: Converter, settings: Record<string, unknown> = {}): Promise<Harness | undefined> {
  let tools;
  try {
    tools = await resolveTools([converter], {});
  } catch (err) {
    if (err instanceof MissingToolError && process.env.CI !== 'true') {
      t.skip(err.message);
      return undefined;
    }
    throw err;
  }
  const limits = { maxPixels: 50_000_000 };
  await converter.start?.({ tools, settings, limits, log: silentLogger(), onRestart: () => {} });
  const dir = await mkdtemp(join(tmpdir(), `omnic-test-${converter.name}-`));
  let n = 0;
  return {
    async convert(input, from, to, options = {}, resize) {
      const output = join(dir, `out-${n++}.${canonicalExt(to).replace(/\W/g, '_')}`);
      await runStep(converter, { tools }, { input, from, to, options, resize, output, tmpDir: dir, timeoutMs: 120_000, limits });
      return output;
    },
    async stop() {
      await converter.stop?.();
    },
  };
}
