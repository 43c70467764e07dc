/**
 * Errors that know their HTTP status. `expose` says whether the message is
 * safe to show a caller; anything else becomes an opaque 500 (and is logged).
 */

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly expose = status < 500,
    readonly headers: Record<string, string> = {},
    readonly details?: unknown,
    /** What went wrong underneath (a store error): logged with a 5xx, never sent. */
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new ApiError(400, code, message, true, {}, details);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const serviceUnavailable = (message: string, retryAfterSeconds = 1) =>
  new ApiError(503, 'unavailable', message, true, { 'Retry-After': String(retryAfterSeconds) });

/** The JSON body of every error answer: {"error": {"code", "message"}}. */
export function errorBody(code: string, message: string, details?: unknown): { error: Record<string, unknown> } {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}
