// Finds each converter's binaries at boot (OMNIC_BIN_<NAME> or PATH) and captures their versions.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Converter, ResolvedTool, ToolSpec } from './converter.js';
import { execTool } from './exec.js';

export class MissingToolError extends Error {
  constructor(readonly missing: { tool: ToolSpec; converter: string; override?: string }[]) {
    super(
      'Missing converter binaries: ' +
        missing
          .map(({ tool, converter, override }) =>
            override
              ? `${tool.name} (converter ${converter}): OMNIC_BIN_${envSuffix(tool.name)}=${override} is not an executable file`
              : `${tool.name} (converter ${converter}): install the Debian package "${tool.package}" or set OMNIC_BIN_${envSuffix(tool.name)}`,
          )
          .join('; '),
    );
    this.name = 'MissingToolError';
  }
}

export function envSuffix(toolName: string): string {
  return toolName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Every tool the given converters need, once each. */
export function toolsOf(converters: readonly Converter[]): { tool: ToolSpec; converter: string }[] {
  const seen = new Map<string, { tool: ToolSpec; converter: string }>();
  for (const converter of converters) {
    for (const tool of converter.tools) if (!seen.has(tool.name)) seen.set(tool.name, { tool, converter: converter.name });
  }
  return [...seen.values()];
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findOnPath(command: string, pathVar = process.env.PATH ?? ''): Promise<string | undefined> {
  if (command.includes('/')) return (await isExecutable(command)) ? command : undefined;
  for (const dir of pathVar.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function captureVersion(path: string, spec: ToolSpec): Promise<string> {
  try {
    const { stdout, stderr } = await execTool(path, spec.versionArgs, { cwd: tmpdir(), timeoutMs: 15_000, captureStdout: true, maxStdoutBytes: 64 * 1024 });
    // The first line that names a number (assimp prints a rule of dashes first).
    const lines = `${stdout}\n${stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
    const line = lines.find((l) => /\d/.test(l)) ?? lines[0];
    return (line ?? 'unknown').slice(0, 200);
  } catch (err) {
    // Some tools exit non-zero for --version (ffmpegthumbnailer); their output still names the version.
    const text = (err as { stderr?: string }).stderr?.split('\n').map((l) => l.trim()).find(Boolean);
    return (text ?? 'unknown').slice(0, 200);
  }
}

/** Resolves every tool or throws MissingToolError naming each missing one and its Debian package. */
export async function resolveTools(converters: readonly Converter[], overrides: Record<string, string>): Promise<Record<string, ResolvedTool>> {
  const needed = toolsOf(converters);
  // Lookups run in parallel; results keep declaration order so the boot message reads the same every time.
  const results = await Promise.all(
    needed.map(async ({ tool, converter }) => {
      const override = overrides[tool.name];
      let path: string | undefined;
      if (override) path = (await isExecutable(override)) ? override : undefined;
      else for (const candidate of tool.candidates ?? [tool.name]) if (!path) path = await findOnPath(candidate);
      if (!path) return { missing: { tool, converter, override: override || undefined } };
      return { found: { name: tool.name, path, package: tool.package, version: await captureVersion(path, tool) } satisfies ResolvedTool };
    }),
  );
  const missing = results.flatMap((r) => (r.missing ? [r.missing] : []));
  if (missing.length) throw new MissingToolError(missing);
  const resolved = results.flatMap((r) => (r.found ? [r.found] : []));
  return Object.fromEntries(resolved.map((t) => [t.name, t]));
}
