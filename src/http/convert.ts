// POST /convert/<typestring>: the body (raw, or multipart with one file field) is the source; answered synchronously.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'koa';
import { DrainingError, InvalidRequestError, SourceTooLargeError } from '../errors.js';
import type { Jobs } from '../jobs.js';
import { parseTypestring } from '../typestring.js';
import type { RequestState } from './middleware.js';
import { sendHit } from './send.js';

export interface ConvertDeps {
  jobs: Jobs;
  tempPath: () => string;
  maxSourceBytes: number;
  isDraining: () => boolean;
  resultMaxAge: number;
}

interface Upload {
  file: string;
  sha256: string;
  filename?: string;
  contentType?: string;
}

export function convertHandler(deps: ConvertDeps) {
  return async (ctx: Context) => {
    const target = parseTypestring(String(ctx.params.rest ?? ''));
    if (deps.isDraining()) throw new DrainingError(2);
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > deps.maxSourceBytes) throw tooLarge(deps.maxSourceBytes);
    const temp = deps.tempPath();
    try {
      const upload = ctx.is('multipart/form-data') ? await receiveMultipart(ctx, temp, deps.maxSourceBytes) : await receiveRaw(ctx, temp, deps.maxSourceBytes);
      const result = await deps.jobs.fromUpload(target, upload.file, upload.sha256, { filename: upload.filename, contentType: upload.contentType });
      const state = ctx.state as RequestState;
      state.path = result.path.join('>');
      await sendHit(ctx, result.hit, { mime: result.mime, path: result.path, maxAge: deps.resultMaxAge });
    } finally {
      await rm(temp, { force: true });
    }
  };
}

function tooLarge(max: number): SourceTooLargeError {
  return new SourceTooLargeError(`The upload is larger than OMNIC_MAX_SOURCE_BYTES (${max} bytes).`);
}

/** Writes a stream to `file`, hashing it and stopping at the byte cap. */
async function save(stream: Readable, file: string, max: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      size += chunk.length;
      if (size > max) return callback(tooLarge(max));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(stream, meter, createWriteStream(file));
  if (size === 0) throw new InvalidRequestError('The request body is empty: send the source file as the body or as a multipart file field.');
  return hash.digest('hex');
}

async function receiveRaw(ctx: Context, file: string, max: number): Promise<Upload> {
  const sha256 = await save(ctx.req, file, max);
  const type = ctx.get('Content-Type');
  const name = typeof ctx.query.filename === 'string' ? ctx.query.filename : undefined;
  return { file, sha256, filename: name, contentType: type || undefined };
}

function receiveMultipart(ctx: Context, file: string, max: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fileSize: max + 1 } });
    } catch {
      reject(new InvalidRequestError('Malformed multipart/form-data request.'));
      return;
    }
    let saving: Promise<Upload> | undefined;
    let fileStream: Readable | undefined;
    parser.on('file', (_field, stream, info) => {
      fileStream = stream;
      saving = save(stream, file, max).then((sha256) => ({ file, sha256, filename: info.filename, contentType: info.mimeType }));
      saving.catch(() => stream.resume());
    });
    // busboy neither ends nor fails when the client goes away mid-upload: end the file stream ourselves.
    ctx.req.once('close', () => {
      if (ctx.req.complete) return;
      fileStream?.destroy();
      reject(new InvalidRequestError('The upload was cut off before it finished.'));
    });
    parser.on('error', () => reject(new InvalidRequestError('Malformed multipart/form-data request.')));
    parser.on('close', () => {
      if (!saving) reject(new InvalidRequestError('The multipart request has no file field.'));
      else saving.then(resolve, reject);
    });
    ctx.req.pipe(parser);
  });
}
