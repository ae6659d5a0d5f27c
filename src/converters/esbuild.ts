// esbuild (npm, in process): JavaScript, TypeScript, JSX and TSX to plain or minified JavaScript, one file at a time.
import { readFile, writeFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { InputRejectedError } from '../errors.js';
import type { Converter, Edge } from './converter.js';

const LOADERS: Readonly<Record<string, esbuild.Loader>> = {
  'text/javascript': 'js',
  'text/typescript': 'ts',
  'text/jsx': 'jsx',
  'text/tsx': 'tsx',
};
const LANGUAGE: Readonly<Record<string, string>> = {
  'text/javascript': 'JavaScript',
  'text/typescript': 'TypeScript',
  'text/jsx': 'JSX',
  'text/tsx': 'TSX',
};
const JS = 'text/javascript';
const MIN_JS = 'text/x-minified-javascript';
/** What browsers of the last few years run; newer syntax is lowered, nothing is polyfilled. */
const TARGET = 'es2020';

function edges(): Edge[] {
  return Object.keys(LOADERS).flatMap((from) => [
    // js → js would be the identity: the graph serves the source itself.
    ...(from === JS ? [] : [{ from, to: JS, cost: 2 }]),
    { from, to: MIN_JS, cost: 2 },
  ]);
}

export function createEsbuildConverter(): Converter {
  return {
    name: 'esbuild',
    tools: [],
    edges: edges(),
    options: [],
    timeoutMs: 20_000,
    libraryVersion: `esbuild ${esbuild.version}`,
    async run(step) {
      const loader = LOADERS[step.from];
      if (!loader) throw new InputRejectedError(`esbuild does not read ${step.from}.`);
      const code = await readFile(step.input, 'utf8');
      await writeFile(step.output, await transform(code, step.from, step.to === MIN_JS));
    },
    async stop() {
      // esbuild keeps one helper process for all transforms; end it with the converter.
      await esbuild.stop();
    },
  };
}

async function transform(code: string, from: string, minify: boolean): Promise<string> {
  try {
    const result = await esbuild.transform(code, {
      loader: LOADERS[from],
      minify,
      target: TARGET,
      charset: 'utf8',
      // A fixed name: messages and source references never carry a cache path. No tsconfig is read: transform has no file system.
      sourcefile: `input.${LOADERS[from]}`,
      tsconfigRaw: {},
      logLevel: 'silent',
    });
    return result.code;
  } catch (err) {
    throw rejection(err, from);
  }
}

/** A syntax error names its first line and column and esbuild's short reason, never a path or the source text around it. */
export function rejection(err: unknown, from: string): Error {
  const first = (err as { errors?: esbuild.Message[] }).errors?.[0];
  if (!first) return err instanceof Error ? err : new Error(String(err));
  const where = first.location ? ` at line ${first.location.line}, column ${first.location.column + 1}` : '';
  const reason = first.text.replace(/\s+/g, ' ').slice(0, 160);
  return new InputRejectedError(`The ${LANGUAGE[from] ?? 'JavaScript'} source has a syntax error${where}: ${reason}. Fix it and request again.`, err);
}
