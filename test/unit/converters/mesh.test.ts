// The mesh converter with real assimp and f3d: format conversion, a lit three-quarter render, and hostile meshes.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { glbJson, selfContained, stageMesh, withJson } from '../../../src/converters/mesh-input.js';
import { f3dArgs, f3dFlavour, sweepStaleDisplays } from '../../../src/converters/mesh-render.js';
import { createMeshConverter } from '../../../src/converters/mesh.js';
import { runStep } from '../../../src/converters/run-step.js';
import { MissingToolError, resolveTools } from '../../../src/converters/tools.js';
import { ConversionTimeoutError, InputRejectedError } from '../../../src/errors.js';
import { startConverter } from '../../helpers/converter-harness.js';
import { assertImage, magicOf } from '../../helpers/probe.js';
import { zooPath } from '../../fixtures/zoo/specimen.js';

const mesh = (name: string) => zooPath(`files/mesh/${name}`);
const STL = 'model/stl';
const GLB = 'model/gltf-binary';
const PNG = 'image/png';

/** Distinct grey levels (in steps of 8) that each cover at least 2 % of the non-white pixels: one per lit face. */
async function faceShades(png: string): Promise<number> {
  const { data } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const counts = new Map<number, number>();
  let object = 0;
  for (const value of data) {
    if (value > 245) continue;
    object++;
    counts.set(value >> 3, (counts.get(value >> 3) ?? 0) + 1);
  }
  return [...counts.values()].filter((count) => count > object * 0.02).length;
}

test('f3dFlavour tells f3d 1.x from 2.x/3.x, whose options were renamed', () => {
  assert.equal(f3dFlavour('f3d 1.3.1'), 'v1');
  assert.equal(f3dFlavour('F3D 3.1.0'), 'v2');
  assert.ok(f3dArgs('v1', 'stl', 'in.stl', 'out.png').includes('--bg-color=1,1,1'));
  assert.ok(f3dArgs('v2', 'obj', 'in.obj', 'out.png').includes('--background-color=1,1,1'));
  assert.ok(f3dArgs('v2', 'stl', 'in.stl', 'out.png').includes('--up=+Z'), 'STL is Z-up');
  assert.ok(!f3dArgs('v2', 'glb', 'in.glb', 'out.png').some((arg) => arg.startsWith('--color')), 'glTF keeps its own materials');
});

test('sweepStaleDisplays removes the lock and socket of a dead Xvfb only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-x-'));
  await mkdir(join(dir, '.X11-unix'));
  // pid 2^22 + 1 is above Linux's pid_max default range, so no process has it.
  for (const [display, pid] of [[150, 4194305], [151, process.pid], [12, 4194305]] as const) {
    await writeFile(join(dir, `.X${display}-lock`), `${String(pid).padStart(10)}\n`);
    await writeFile(join(dir, '.X11-unix', `X${display}`), '');
  }
  await sweepStaleDisplays(dir);
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('-lock')).sort(), ['.X12-lock', '.X151-lock']);
  assert.deepEqual((await readdir(join(dir, '.X11-unix'))).sort(), ['X12', 'X151']);
});

test('selfContained refuses external glTF buffers and blanks external images', () => {
  assert.throws(() => selfContained({ buffers: [{ uri: '/etc/passwd', byteLength: 10 }] }), InputRejectedError);
  const doc = selfContained({ buffers: [{ uri: 'data:application/octet-stream;base64,AAAA' }], images: [{ uri: '../../secret.png' }] }) as { images: { uri: string }[] };
  assert.match(doc.images[0]!.uri, /^data:image\/png;base64,/);
});

test('stageMesh strips OBJ material libraries and points glb images at a blank pixel, keeping a valid glb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-stage-'));
  const obj = join(dir, 'evil.obj');
  await writeFile(obj, 'mtllib /etc/passwd\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n');
  const stagedObj = await readFile(await stageMesh(obj, 'model/obj', dir), 'utf8');
  assert.doesNotMatch(stagedObj, /mtllib/);
  assert.match(stagedObj, /^f 1 2 3$/m);
  const cube = await readFile(mesh('cube.glb'));
  const json = glbJson(cube) as { images?: { uri: string }[] };
  const glb = join(dir, 'textured.glb');
  await writeFile(glb, withJson(cube, { ...json, images: [{ uri: '/etc/hostname' }] }));
  const staged = await readFile(await stageMesh(glb, GLB, await mkdtemp(join(tmpdir(), 'omnic-stage-'))));
  const restaged = glbJson(staged) as { images: { uri: string }[]; accessors: unknown[] };
  assert.match(restaged.images[0]!.uri, /^data:image\/png;base64,/);
  assert.equal(staged.readUInt32LE(8), staged.length, 'the glb header states the new length');
  assert.equal(staged.length % 4, 0, 'chunks stay 4-byte aligned');
});

test('f3d renders a cube as a cube: 800×800, lit faces in different shades, on white', async (t) => {
  const converter = await startConverter(t, createMeshConverter());
  if (!converter) return;
  const objAsGlb = await converter.convert(mesh('cube.obj'), 'model/obj', GLB);
  for (const [file, from] of [['cube.stl', STL], ['cube-binary.stl', STL], ['cube.ply', 'model/x-ply'], ['cube.glb', GLB], [objAsGlb, GLB]] as const) {
    const png = await converter.convert(file.startsWith('/') ? file : mesh(file), from, PNG);
    await assertImage(png, { format: 'png', width: 800, height: 800, minSpread: 10 });
    assert.ok((await faceShades(png)) >= 2, `${file}: a flat silhouette, not a three-quarter view`);
    // The background is white and the model sits inside the frame, not filling it.
    const corner = await sharp(await sharp(png).extract({ left: 0, top: 0, width: 20, height: 20 }).toBuffer()).stats();
    assert.ok(corner.channels[0]!.mean > 240, `${file}: the corner is not background`);
  }
  // Every Xvfb has gone, and left no lock file that would make the next xvfb-run -a skip its display.
  const stale = (await readdir('/tmp')).filter((name) => /^\.X(\d{3,})-lock$/.test(name));
  for (const name of stale) {
    const pid = Number((await readFile(join('/tmp', name), 'latin1')).trim());
    const state = await readFile(`/proc/${pid}/stat`, 'latin1').then((stat) => stat.slice(stat.lastIndexOf(')') + 2)[0]).catch(() => 'gone');
    assert.ok(state !== 'gone' && state !== 'Z', `${name} belongs to a dead Xvfb`);
  }
  await converter.stop();
});

test('f3d renders a tetrahedron from glTF, and from 3DS, OFF and Collada through glb', async (t) => {
  const converter = await startConverter(t, createMeshConverter());
  if (!converter) return;
  const gltf = await converter.convert(mesh('tetrahedron.gltf'), 'model/gltf+json', PNG);
  await assertImage(gltf, { format: 'png', width: 800, height: 800, minSpread: 10 });
  // The glTF's own orange material is used, not omnic's default grey-blue.
  const { channels } = await sharp(gltf).stats();
  assert.ok(channels[0]!.mean > channels[2]!.mean + 5, 'expected the orange base colour');
  for (const [file, from] of [['tetrahedron.3ds', 'model/x-3ds'], ['tetrahedron.off', 'model/x-off']] as const) {
    const glb = await converter.convert(mesh(file), from, GLB);
    const png = await converter.convert(glb, GLB, PNG);
    await assertImage(png, { format: 'png', width: 800, height: 800, minSpread: 10 });
    assert.ok((await faceShades(png)) >= 2, `${file}: two faces of the tetrahedron, lit differently`);
  }
  const cube = await converter.convert(mesh('cube.dae'), 'model/vnd.collada+xml', GLB);
  assert.ok((await faceShades(await converter.convert(cube, GLB, PNG))) >= 2);
  await converter.stop();
});

test('three renders at once each get their own X display and all succeed', async (t) => {
  const converter = await startConverter(t, createMeshConverter());
  if (!converter) return;
  const files = [['cube.stl', STL], ['cube.ply', 'model/x-ply'], ['tetrahedron.gltf', 'model/gltf+json']] as const;
  const pngs = await Promise.all(files.map(([file, from]) => converter.convert(mesh(file), from, PNG)));
  for (const png of pngs) await assertImage(png, { format: 'png', width: 800, height: 800, minSpread: 10 });
  await converter.stop();
});

test('assimp converts meshes to glb, binary stl and obj with the geometry intact', async (t) => {
  const converter = await startConverter(t, createMeshConverter());
  if (!converter) return;
  const glb = await converter.convert(mesh('cube.stl'), STL, GLB);
  assert.equal(await magicOf(glb), 'model/gltf-binary');
  const json = glbJson(await readFile(glb)) as { accessors: { count: number; type: string }[] };
  assert.ok(json.accessors.some((a) => a.type === 'VEC3' && a.count >= 8), 'the glb has the cube\'s vertices');
  const stl = await readFile(await converter.convert(mesh('tetrahedron.obj'), 'model/obj', STL));
  // Binary STL: 80-byte header, facet count, 50 bytes a facet.
  assert.equal(stl.readUInt32LE(80), 4);
  assert.equal(stl.length, 84 + 4 * 50);
  const obj = await readFile(await converter.convert(mesh('cube.ply'), 'model/x-ply', 'model/obj'), 'utf8');
  assert.ok(obj.split('\n').filter((line) => line.startsWith('v ')).length >= 8, 'the obj has vertex lines');
  assert.ok(obj.split('\n').filter((line) => line.startsWith('f ')).length === 12, 'the obj has the 12 triangles');
  assert.doesNotMatch(obj, /^mtllib/m, 'no reference to a material file that is not part of the output');
  // A glb whose image names a file on disk is still read (the image is replaced by a blank pixel).
  const cube = await readFile(mesh('cube.glb'));
  const dir = await mkdtemp(join(tmpdir(), 'omnic-mesh-'));
  await writeFile(join(dir, 'textured.glb'), withJson(cube, { ...(glbJson(cube) as object), images: [{ uri: '/etc/hostname' }] }));
  assert.equal((await readFile(await converter.convert(join(dir, 'textured.glb'), GLB, STL))).readUInt32LE(80), 12);
  const fromGltf = await converter.convert(mesh('tetrahedron.gltf'), 'model/gltf+json', STL);
  assert.equal((await readFile(fromGltf)).readUInt32LE(80), 4);
  await converter.stop();
});

test('a truncated STL and a glTF that points at /etc/passwd are 422, in both directions', async (t) => {
  const converter = await startConverter(t, createMeshConverter());
  if (!converter) return;
  const rejected = (err: unknown) => err instanceof InputRejectedError;
  await assert.rejects(converter.convert(mesh('truncated.stl'), STL, GLB), rejected);
  await assert.rejects(converter.convert(mesh('truncated.stl'), STL, PNG), rejected);
  await assert.rejects(converter.convert(mesh('external-buffer.gltf'), 'model/gltf+json', GLB), rejected);
  await assert.rejects(converter.convert(mesh('external-buffer.gltf'), 'model/gltf+json', PNG), rejected);
  await converter.stop();
});

test('a render past its deadline is 503 and leaves neither f3d nor Xvfb running', async (t) => {
  const converter = createMeshConverter();
  const tools = await resolveTools([converter], {}).catch((err) => {
    if (err instanceof MissingToolError && process.env.CI !== 'true') return undefined;
    throw err;
  });
  if (!tools) return t.skip('assimp, f3d or xvfb-run is not installed');
  await converter.start?.({ tools, settings: {}, limits: { maxPixels: 50_000_000 }, log: undefined as never, onRestart: () => {} });
  // Every process of this step runs with HOME and TMPDIR in the job dir under this private directory. 150 ms is well
  // under what starting Xvfb and loading VTK take, so the deadline always comes first, even on a fast, idle machine.
  const dir = await mkdtemp(join(tmpdir(), 'omnic-mesh-deadline-'));
  const request = { input: mesh('cube.stl'), from: STL, to: PNG, options: {}, output: join(dir, 'out.png'), tmpDir: dir, timeoutMs: 150, limits: { maxPixels: 50_000_000 } };
  await assert.rejects(runStep(converter, { tools }, request), (err) => err instanceof ConversionTimeoutError);
  await sleep(300);
  assert.deepEqual(await livingProcessesWith(dir), [], 'processes left behind');
});

/** Command lines of running (not zombie) processes that mention `needle`, read from /proc (slim images have no ps). */
async function livingProcessesWith(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
    if (cmdline.includes(needle) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(cmdline.replace(/\0/g, ' '));
  }
  return found;
}
