// OmnicError and its subclasses: each carries its HTTP status, public code, public message and extra headers.

export type ErrorCode =
  | 'invalid_request'
  | 'forbidden_source'
  | 'bad_signature'
  | 'unauthorized'
  | 'not_found'
  | 'source_too_large'
  | 'unsupported_format'
  | 'no_conversion_path'
  | 'input_rejected'
  | 'queue_full'
  | 'source_unavailable'
  | 'draining'
  | 'conversion_timeout'
  | 'internal_error';

export class OmnicError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** Whether `message` is safe to show to the client (Koa's `expose` convention). */
  readonly expose: boolean = true;
  readonly headers: Record<string, string>;

  constructor(status: number, code: ErrorCode, message: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
  }
}

export class InvalidRequestError extends OmnicError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

export class ForbiddenSourceError extends OmnicError {
  constructor(message: string) {
    super(403, 'forbidden_source', message);
  }
}

export class BadSignatureError extends OmnicError {
  constructor(message: string) {
    super(403, 'bad_signature', message);
  }
}

export class UnauthorizedError extends OmnicError {
  constructor(message: string) {
    super(401, 'unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer realm="omnic"' } });
  }
}

export class NotFoundError extends OmnicError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class SourceTooLargeError extends OmnicError {
  constructor(message: string) {
    super(413, 'source_too_large', message);
  }
}

export class UnsupportedFormatError extends OmnicError {
  constructor(message: string) {
    super(415, 'unsupported_format', message);
  }
}

export class NoConversionPathError extends OmnicError {
  constructor(message: string) {
    super(422, 'no_conversion_path', message);
  }
}

/** A converter refused the input: corrupt, truncated, encrypted, a decompression bomb. */
export class InputRejectedError extends OmnicError {
  constructor(message: string, cause?: unknown) {
    super(422, 'input_rejected', message, { cause });
  }
}

export class QueueFullError extends OmnicError {
  constructor(retryAfterSeconds: number) {
    super(429, 'queue_full', 'The conversion queue is full. Retry after the time in Retry-After.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class SourceUnavailableError extends OmnicError {
  constructor(message: string, cause?: unknown) {
    super(502, 'source_unavailable', message, { cause });
  }
}

export class DrainingError extends OmnicError {
  constructor(retryAfterSeconds: number) {
    super(503, 'draining', 'This instance is shutting down. Retry against another instance.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class ConversionTimeoutError extends OmnicError {
  constructor(step: string, timeoutMs: number, retryAfterSeconds = 30) {
    super(503, 'conversion_timeout', `The ${step} step ran past its ${timeoutMs} ms deadline. The source may be too large or complex for this instance.`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class InternalError extends OmnicError {
  override readonly expose = false;
  constructor(message: string, cause?: unknown) {
    super(500, 'internal_error', message, { cause });
  }
}

/** Any thrown value as an OmnicError; unknown errors become a 500 whose message is never shown. */
export function toOmnicError(err: unknown): OmnicError {
  if (err instanceof OmnicError) return err;
  return new InternalError(err instanceof Error ? err.message : String(err), err);
}
