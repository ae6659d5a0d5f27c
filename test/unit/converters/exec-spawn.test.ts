// A tool that cannot be started is a server fault (500), never blamed on the input (422).
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { it } from 'node:test';
import { execTool, ToolFailedError } from '../../../src/converters/exec.js';
import { toOmnicError } from '../../../src/errors.js';

it('reports a binary that cannot be spawned as an internal error', async () => {
  await assert.rejects(execTool('/nonexistent/bin/tool', [], { cwd: tmpdir(), timeoutMs: 5000 }), (err: unknown) => {
    assert.ok(!(err instanceof ToolFailedError), 'not a tool failure');
    assert.equal(toOmnicError(err).status, 500);
    return true;
  });
});

it('still reports a tool that ran and failed as a ToolFailedError', async () => {
  await assert.rejects(execTool('/bin/sh', ['-c', 'echo broken >&2; exit 3'], { cwd: tmpdir(), timeoutMs: 5000 }), (err: unknown) => {
    assert.ok(err instanceof ToolFailedError);
    assert.equal(err.exitCode, 3);
    assert.match(err.stderr, /broken/);
    return true;
  });
});
