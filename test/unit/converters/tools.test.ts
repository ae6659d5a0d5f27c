// resolveTools: real binaries found on PATH with their version, OMNIC_BIN overrides, missing tools named with their package.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Converter, ToolSpec } from '../../../src/converters/converter.js';
import { allToolNames, CONVERTER_FACTORIES } from '../../../src/converters/index.js';
import { envSuffix, findOnPath, MissingToolError, resolveTools, toolsOf } from '../../../src/converters/tools.js';

const converter = (name: string, tools: ToolSpec[]): Converter => ({ name, tools, edges: [], options: [], async run() {} });
const shTool: ToolSpec = { name: 'sh', package: 'dash', versionArgs: ['-c', 'echo 1.0'] };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnic-tools-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveTools', () => {
  it('finds a real binary on PATH and captures the first line of its version output', async () => {
    const tools = await resolveTools([converter('shell', [shTool])], {});
    assert.equal(tools.sh?.name, 'sh');
    assert.match(tools.sh!.path, /\/sh$/);
    assert.equal(tools.sh?.version, '1.0');
    assert.equal(tools.sh?.package, 'dash');
  });

  it('tries candidates in order and keeps the tool id', async () => {
    const spec: ToolSpec = { name: 'shell', candidates: ['no-such-omnic-binary', 'sh'], package: 'dash', versionArgs: ['-c', 'echo v2 >&2'] };
    const tools = await resolveTools([converter('shell', [spec])], {});
    assert.match(tools.shell!.path, /\/sh$/);
    assert.equal(tools.shell!.version, 'v2', 'a version printed on stderr should be captured');
  });

  it('uses an OMNIC_BIN override instead of PATH', async () => {
    const fake = join(dir, 'my-sh');
    await writeFile(fake, '#!/bin/sh\necho "my-sh 9.9 (custom build)"\n');
    await chmod(fake, 0o755);
    const tools = await resolveTools([converter('shell', [shTool])], { sh: fake });
    assert.equal(tools.sh!.path, fake);
    assert.equal(tools.sh!.version, 'my-sh 9.9 (custom build)');
  });

  it('a tool whose version command fails still resolves with what it printed', async () => {
    const grumpy = join(dir, 'grumpy');
    await writeFile(grumpy, '#!/bin/sh\necho "grumpy 0.3: unknown option --version" >&2\nexit 1\n');
    await chmod(grumpy, 0o755);
    const tools = await resolveTools([converter('g', [{ name: 'grumpy', package: 'grumpy', versionArgs: ['--version'] }])], { grumpy });
    assert.equal(tools.grumpy!.version, 'grumpy 0.3: unknown option --version');
  });

  it('a missing tool is a MissingToolError naming the tool, converter, Debian package and env variable', async () => {
    const spec: ToolSpec = { name: 'no-such-omnic-tool', package: 'omnic-imaginary-utils', versionArgs: ['--version'] };
    await assert.rejects(resolveTools([converter('imaginary', [spec, shTool])], {}), (err: unknown) => {
      assert.ok(err instanceof MissingToolError);
      assert.equal(err.missing.length, 1);
      assert.match(err.message, /no-such-omnic-tool \(converter imaginary\): install the Debian package "omnic-imaginary-utils" or set OMNIC_BIN_NO_SUCH_OMNIC_TOOL/);
      return true;
    });
  });

  it('an override that is not executable is named, even when the tool is on PATH', async () => {
    const notExecutable = join(dir, 'plain-file');
    await writeFile(notExecutable, 'not a program');
    for (const override of ['/nonexistent/sh', notExecutable]) {
      await assert.rejects(resolveTools([converter('shell', [shTool])], { sh: override }), (err: unknown) => {
        assert.ok(err instanceof MissingToolError);
        assert.ok(err.message.includes(`OMNIC_BIN_SH=${override} is not an executable file`), err.message);
        return true;
      });
    }
  });

  it('every missing tool is listed at once', async () => {
    const a: ToolSpec = { name: 'missing-a', package: 'pkg-a', versionArgs: [] };
    const b: ToolSpec = { name: 'missing-b', package: 'pkg-b', versionArgs: [] };
    await assert.rejects(resolveTools([converter('one', [a]), converter('two', [b])], {}), (err: unknown) => err instanceof MissingToolError && err.missing.length === 2 && /pkg-a.*pkg-b/.test(err.message));
  });
});

describe('helpers', () => {
  it('envSuffix upper-cases and replaces punctuation', () => {
    assert.equal(envSuffix('pdftoppm'), 'PDFTOPPM');
    assert.equal(envSuffix('xvfb-run'), 'XVFB_RUN');
    assert.equal(envSuffix('f3d.exe'), 'F3D_EXE');
  });

  it('findOnPath honours the PATH given and absolute paths', async () => {
    assert.equal(await findOnPath('sh', '/nonexistent:/bin'), '/bin/sh');
    assert.equal(await findOnPath('sh', '/nonexistent'), undefined);
    assert.equal(await findOnPath('/bin/sh', ''), '/bin/sh');
    assert.equal(await findOnPath('/nonexistent/sh'), undefined);
  });

  it('toolsOf lists a tool shared by two converters once', () => {
    const listed = toolsOf([converter('a', [shTool]), converter('b', [shTool, { name: 'cat', package: 'coreutils', versionArgs: ['--version'] }])]);
    assert.deepEqual(listed.map((t) => `${t.converter}:${t.tool.name}`), ['a:sh', 'b:cat']);
  });

  it('every registered tool names its Debian package and appears in allToolNames', () => {
    const names = allToolNames();
    assert.deepEqual(names, [...names].sort());
    for (const [name, factory] of Object.entries(CONVERTER_FACTORIES)) {
      for (const tool of factory().tools) {
        assert.match(tool.package, /^[a-z0-9][a-z0-9.+-]+$/, `${name}/${tool.name} names no Debian package`);
        assert.match(tool.name, /^[a-z0-9][a-z0-9_.-]*$/, `${name}/${tool.name} is not a lower-case id`);
        assert.ok(names.includes(tool.name));
      }
    }
  });
});
