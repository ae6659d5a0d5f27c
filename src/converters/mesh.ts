// Meshes: format conversion through assimp (→ stl, obj, glb) and a headless rendered view through f3d (→ png).
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputRejectedError } from '../errors.js';
import type { Converter, Edge, Step } from './converter.js';
import { MESH_EXTS, stageMesh } from './mesh-input.js';
import { assertSomethingDrawn, f3dArgs, f3dFlavour, releaseDisplay, sweepStaleDisplays, xvfbArgs, type F3dFlavour } from './mesh-render.js';

/** Target MIME → assimp export format id: binary STL, OBJ without a sidecar .mtl (one output file), glTF 2 binary. */
const ASSIMP_EXPORTS: Readonly<Record<string, string>> = {
  'model/stl': 'stlb',
  'model/obj': 'objnomtl',
  'model/gltf-binary': 'glb2',
};
/**
 * Rendered directly: what every f3d from 1.3 on reads with the colour omnic gives it (STL, PLY) or the file's own
 * materials (glTF). OBJ (white without its .mtl, which a single-file source never has), 3DS (black in f3d 1.x),
 * Collada and OFF (unread by f3d 1.x) are rendered from assimp's glb, which carries a grey default material.
 */
const F3D_READS = ['model/stl', 'model/x-ply', 'model/gltf+json', 'model/gltf-binary'];
const PNG = 'image/png';

function edges(): Edge[] {
  const sources = Object.keys(MESH_EXTS);
  const conversions = sources.flatMap((from) => Object.keys(ASSIMP_EXPORTS).filter((to) => to !== from).map((to) => ({ from, to, cost: 3 })));
  // Rendering is the expensive step (an X server and an OpenGL context); dae/off → glb → png costs 3 + 6.
  return [...conversions, ...F3D_READS.map((from) => ({ from, to: PNG, cost: 6 }))];
}

export function createMeshConverter(): Converter {
  let f3d = { path: 'f3d', flavour: 'v2' as F3dFlavour };
  // Each render gets its own X display number to start from, so concurrent xvfb-run -a calls do not race for :99.
  let renders = 0;
  return {
    name: 'mesh',
    tools: [
      { name: 'assimp', package: 'assimp-utils', versionArgs: ['version'] },
      { name: 'f3d', package: 'f3d', versionArgs: ['--version'] },
      // f3d needs an OpenGL context; Debian builds it for X only, so it runs on a private Xvfb per render.
      { name: 'xvfb-run', package: 'xvfb', versionArgs: ['--help'] },
      { name: 'xauth', package: 'xauth', versionArgs: ['version'] },
    ],
    edges: edges(),
    options: [],
    // Xvfb + f3d hold ~150 MB and a core each.
    concurrency: 2,
    timeoutMs: 60_000,
    async start(runtime) {
      // xvfb-run starts f3d itself, so it gets the resolved path (OMNIC_BIN_F3D included), not the bare name.
      f3d = { path: runtime.tools.f3d?.path ?? 'f3d', flavour: f3dFlavour(runtime.tools.f3d?.version ?? '') };
    },
    async run(step) {
      const input = await stageMesh(step.input, step.from, step.workDir);
      if (step.to === PNG) await render(step, input, f3d, 100 + ((process.pid * 31 + renders++) % 400));
      else await exportWithAssimp(step, input);
    },
  };
}

async function exportWithAssimp(step: Step, input: string): Promise<void> {
  const format = ASSIMP_EXPORTS[step.to];
  if (!format) throw new InputRejectedError(`assimp cannot write ${step.to}.`);
  const ext = step.to === 'model/gltf-binary' ? 'glb' : MESH_EXTS[step.to]!;
  const output = join(step.workDir, `output.${ext}`);
  await step.exec('assimp', ['export', input, output, `-f${format}`]);
  await copyFile(output, step.output).catch((err) => {
    throw new InputRejectedError(`assimp wrote no ${ext} for this ${MESH_EXTS[step.from]} file; it may hold no geometry.`, err);
  });
}

async function render(step: Step, input: string, f3d: { path: string; flavour: F3dFlavour }, display: number): Promise<void> {
  const output = join(step.workDir, 'output.png');
  await sweepStaleDisplays();
  try {
    await step.exec('xvfb-run', [...xvfbArgs(display), f3d.path, ...f3dArgs(f3d.flavour, MESH_EXTS[step.from]!, input, output)]);
  } finally {
    await releaseDisplay(display);
  }
  await assertSomethingDrawn(output).catch((err) => {
    if (err instanceof InputRejectedError) throw err;
    throw new InputRejectedError(`f3d rendered no picture of this ${MESH_EXTS[step.from]} file; it may be corrupt.`, err);
  });
  await copyFile(output, step.output);
}
