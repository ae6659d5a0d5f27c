// f3d command lines for a headless three-quarter view of a mesh, for both f3d flavours Debian ships (1.x and 2.x/3.x).
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputRejectedError } from '../errors.js';

/** Rendered square side: large enough that sharp's thumbnails of it stay crisp. */
export const RENDER_SIDE = 800;
/** Formats whose authoring tools are Z-up (CAD and 3D printing for STL, 3ds Max for 3DS); the rest are Y-up. */
const Z_UP = new Set(['stl', '3ds']);
/** Light grey-blue, lit by f3d's default lights: faces at different angles get clearly different shades. */
const COLOR = '0.62,0.72,0.9';
/** Formats without materials get omnic's colour; glTF keeps its own (f3d 2.x and later let --color override it). */
const UNCOLOURED = new Set(['stl', 'ply']);

export type F3dFlavour = 'v1' | 'v2';

/** f3d 1.x (Debian bookworm) and 2.x/3.x (trixie) renamed several options; the version line tells them apart. */
export function f3dFlavour(version: string): F3dFlavour {
  const major = Number(/(\d+)\.\d+/.exec(version)?.[1] ?? '3');
  return major < 2 ? 'v1' : 'v2';
}

/** Arguments for f3d rendering `input` (named input.<ext>) to `output` as a PNG. */
export function f3dArgs(flavour: F3dFlavour, ext: string, input: string, output: string): string[] {
  const up = Z_UP.has(ext) ? '+Z' : '+Y';
  const colour = UNCOLOURED.has(ext) ? [`--color=${COLOR}`, '--roughness=0.8'] : [];
  const common = [`--output=${output}`, `--resolution=${RENDER_SIDE},${RENDER_SIDE}`, `--up=${up}`, ...colour];
  if (flavour === 'v1') {
    // 1.x frames the model first, then turns the camera; a wider view angle leaves a margin around the turned model.
    return ['--dry-run', '--bg-color=1,1,1', '--camera-azimuth-angle=-30', '--camera-elevation-angle=25', '--camera-view-angle=40', ...common, input];
  }
  // 2.x applies azimuth/elevation after framing (the model overflows); a view direction is framed as a whole.
  return ['--no-config', '--background-color=1,1,1', `--camera-direction=${viewDirection(up)}`, ...common, input];
}

/** Looking down 25° from 30° right of the front, in world axes for the given up direction. */
function viewDirection(up: '+Y' | '+Z'): string {
  const [side, down, back] = [0.453, -0.423, -0.785];
  return up === '+Y' ? `${side},${down},${back}` : `${side},${-back},${down}`;
}

/** Xvfb's screen: a little larger than the render so the window fits. */
export function xvfbArgs(display: number): string[] {
  return ['-a', '-n', String(display), '-s', `-screen 0 ${RENDER_SIDE + 224}x${RENDER_SIDE + 224}x24`];
}

/** f3d writes a background-only image when it read no geometry (a truncated STL); that is a broken input, not a picture. */
export async function assertSomethingDrawn(png: string): Promise<void> {
  const stats = await sharp(png).greyscale().stats();
  if ((stats.channels[0]?.stdev ?? 0) < 1) {
    throw new InputRejectedError('The mesh rendered as an empty picture: the file holds no readable geometry (it may be truncated or corrupt).');
  }
}

/**
 * xvfb-run exits right after sending Xvfb a TERM, and the exec wrapper then kills the whole group, so Xvfb never
 * removes its /tmp/.X<n>-lock and socket; xvfb-run -a skips every display with a lock file. Locks of dead servers
 * from omnic's range (100 and up) are removed before and after each render.
 */
export async function sweepStaleDisplays(dir = '/tmp'): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const display = Number(/^\.X(\d+)-lock$/.exec(name)?.[1] ?? NaN);
    if (!(display >= 100)) continue;
    const pid = Number((await readFile(join(dir, name), 'latin1').catch(() => '')).trim());
    if (!pid || (await isAlive(pid))) continue;
    await rm(join(dir, name), { force: true });
    await rm(join(dir, '.X11-unix', `X${display}`), { force: true });
  }
}

/** After a render on `display`: waits (up to ~0.5 s) for its killed Xvfb to die, then removes what it left. */
export async function releaseDisplay(display: number, dir = '/tmp'): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await sweepStaleDisplays(dir);
    const lock = await readFile(join(dir, `.X${display}-lock`), 'latin1').catch(() => undefined);
    // Still there after the wait: another live server holds it (xvfb-run -a moved this render to the next number).
    if (lock === undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a process runs: a zombie (killed, not yet reaped by init) holds its lock no longer. */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => undefined);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
