// esbuild converter: TypeScript/JSX to JavaScript and minified JavaScript that still runs; syntax errors are a 422 with a position.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { createEsbuildConverter } from '../../../src/converters/esbuild.js';
import { InputRejectedError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { zooPath } from '../../fixtures/zoo/index.js';

/** Imports converted code as an ES module from a file, so it is parsed and run like a browser would. */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-esbuild-'));
  const file = join(dir, 'module.mjs');
  await copyFile(path, file);
  return import(pathToFileURL(file).href);
}

const ORDER = [{ sku: 'A-1', unitPrice: 10, quantity: 2 }];

for (const to of ['text/javascript', 'text/x-minified-javascript']) {
  test(`esbuild: price-calculator.ts → ${to} runs and computes the same total`, async (t) => {
    const h = await startConverter(t, createEsbuildConverter());
    if (!h) return;
    t.after(() => h.stop());
    const input = zooPath('files/code/price-calculator.ts');
    const out = await h.convert(input, 'text/typescript', to);
    const code = await readFile(out, 'utf8');
    assert.doesNotMatch(code, /interface LineItem|: number/, 'type annotations survived');
    const mod = await importModule(out);
    const total = (mod.calculateOrderTotal as (...a: unknown[]) => number)(ORDER, 0.2, 'WELCOME10');
    assert.equal(total, 21.6);
    assert.equal((mod.formatTotal as (n: number) => string)(total), '21.60 EUR');
    if (to === 'text/x-minified-javascript') {
      assert.ok((await stat(out)).size < (await stat(input)).size * 0.6, 'minified output is not much smaller than the source');
      assert.ok(code.trim().split('\n').length <= 2, 'minified output spans many lines');
      assert.ok(code.includes('calculateOrderTotal'), 'exported names are kept');
    }
  });
}

test('esbuild: a plain JavaScript module minifies and still exports its function', async (t) => {
  const h = await startConverter(t, createEsbuildConverter());
  if (!h) return;
  t.after(() => h.stop());
  const input = zooPath('files/code/counter-widget.js');
  const out = await h.convert(input, 'text/javascript', 'text/x-minified-javascript');
  assert.ok((await stat(out)).size < (await stat(input)).size);
  const mod = await importModule(out);
  assert.equal(typeof mod.createCounterWidget, 'function');
});

test('esbuild: TSX becomes React.createElement calls', async (t) => {
  const h = await startConverter(t, createEsbuildConverter());
  if (!h) return;
  t.after(() => h.stop());
  const dir = await mkdtemp(join(tmpdir(), 'omnic-tsx-'));
  const input = join(dir, 'hello.tsx');
  await writeFile(input, 'export const Hello = ({ name }: { name: string }) => <p className="greeting">Hello {name}</p>;\n');
  const code = await readFile(await h.convert(input, 'text/tsx', 'text/javascript'), 'utf8');
  assert.match(code, /React\.createElement\("p"/);
  assert.doesNotMatch(code, /<p|: string/);
});

test('esbuild: a syntax error is a 422 naming line and column but no path', async (t) => {
  const h = await startConverter(t, createEsbuildConverter());
  if (!h) return;
  t.after(() => h.stop());
  await assert.rejects(h.convert(zooPath('files/code/syntax-error.ts'), 'text/typescript', 'text/x-minified-javascript'), (err: unknown) => {
    assert.ok(err instanceof InputRejectedError, String(err));
    assert.equal(err.status, 422);
    assert.match(err.message, /TypeScript source has a syntax error at line 2, column \d+/);
    assert.doesNotMatch(err.message, /\/|zoo|syntax-error\.ts/);
    return true;
  });
});
