// Stages a mesh in the job dir under a name its tools recognise, refusing files that would pull in other files.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputRejectedError } from '../errors.js';

/** Canonical MIME → the extension assimp and f3d choose their reader by (a cache path has none). */
export const MESH_EXTS: Readonly<Record<string, string>> = {
  'model/obj': 'obj',
  'model/stl': 'stl',
  'model/x-ply': 'ply',
  'model/x-3ds': '3ds',
  'model/vnd.collada+xml': 'dae',
  'model/gltf+json': 'gltf',
  'model/gltf-binary': 'glb',
  'model/x-off': 'off',
};

/** A 1×1 white PNG: stands in for an image the glTF names by path, so materials stay valid and nothing is read. */
const BLANK_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC';

/** Writes the source as input.<ext> in workDir and returns that path. */
export async function stageMesh(input: string, from: string, workDir: string): Promise<string> {
  const ext = MESH_EXTS[from];
  if (!ext) throw new InputRejectedError(`omnic's mesh converter does not read ${from}.`);
  let bytes: Buffer = await readFile(input);
  if (ext === 'gltf') bytes = Buffer.from(JSON.stringify(selfContained(parseJson(bytes.toString('utf8')))));
  if (ext === 'glb') bytes = withJson(bytes, selfContained(glbJson(bytes)));
  // A single-file source has no material library beside it, and a path in mtllib could name any file on disk.
  if (ext === 'stl') assertWholeBinaryStl(bytes);
  if (ext === 'obj') bytes = Buffer.from(bytes.toString('utf8').replace(/^[ \t]*mtllib\b.*$/gm, ''));
  const staged = join(workDir, `input.${ext}`);
  await writeFile(staged, bytes);
  return staged;
}

/** f3d draws whatever facets a cut binary STL still holds; its header says how many there must be. */
function assertWholeBinaryStl(bytes: Buffer): void {
  const ascii = bytes.subarray(0, 5).toString('latin1') === 'solid' && !bytes.subarray(0, 512).includes(0);
  if (ascii) return;
  if (bytes.length < 84 || bytes.length < 84 + 50 * bytes.readUInt32LE(80)) {
    throw new InputRejectedError('This binary STL file is truncated: it holds fewer triangles than its header announces.');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputRejectedError('This glTF file is not valid JSON; it may be truncated or corrupt.', err);
  }
}

/** The JSON chunk of a binary glTF (12-byte header, then chunk length, type 'JSON', payload). */
export function glbJson(bytes: Buffer): unknown {
  if (bytes.length < 20 || bytes.toString('latin1', 0, 4) !== 'glTF' || bytes.toString('latin1', 16, 20) !== 'JSON') {
    throw new InputRejectedError('This glb file has no glTF header; it may be truncated or corrupt.');
  }
  const length = bytes.readUInt32LE(12);
  if (20 + length > bytes.length) throw new InputRejectedError('This glb file is truncated: its JSON chunk runs past the end.');
  return parseJson(bytes.toString('utf8', 20, 20 + length));
}

/** The glb with its JSON chunk replaced (padded with spaces to 4 bytes, as the spec requires). */
export function withJson(bytes: Buffer, json: unknown): Buffer {
  const text = JSON.stringify(json);
  const payload = Buffer.from(text + ' '.repeat((4 - (Buffer.byteLength(text) % 4)) % 4));
  const rest = bytes.subarray(20 + bytes.readUInt32LE(12));
  const header = Buffer.alloc(20);
  header.write('glTF', 0, 'latin1');
  header.writeUInt32LE(bytes.readUInt32LE(4), 4);
  header.writeUInt32LE(20 + payload.length + rest.length, 8);
  header.writeUInt32LE(payload.length, 12);
  header.write('JSON', 16, 'latin1');
  return Buffer.concat([header, payload, rest]);
}

/**
 * glTF buffers and images may name other files by URI; assimp and f3d would read any path on disk (assimp would
 * copy a buffer's bytes into its output). External buffers are refused; external images become a blank pixel.
 */
export function selfContained(gltf: unknown): unknown {
  const doc = (gltf ?? {}) as { buffers?: { uri?: unknown }[]; images?: { uri?: unknown }[] };
  const external = (uri: unknown) => uri !== undefined && (typeof uri !== 'string' || !/^data:/i.test(uri));
  if (!Array.isArray(doc.buffers ?? []) || !Array.isArray(doc.images ?? [])) throw new InputRejectedError('This glTF file is malformed: buffers and images must be arrays.');
  if ((doc.buffers ?? []).some((buffer) => external(buffer?.uri))) {
    throw new InputRejectedError('This glTF file keeps its geometry in external .bin files, which omnic does not load. Export it as a single .glb or embed the buffers as data: URIs.');
  }
  for (const image of doc.images ?? []) if (image && external(image.uri)) image.uri = BLANK_PNG;
  return doc;
}
