/**
 * One error shape for every answer that is not a success:
 * `{"error": {"code", "message", "request_id"}}`.
 *
 * Errors answer by protocol, as Hono's HTTPException does with `getResponse()`: an error that
 * knows its answer carries `status` and `code` (and maybe `headers`, and `log` when it deserves a
 * log line). ApiError is the one our routes and middleware throw; ImageError (worker/image), the
 * model registry's errors and ClientAbort (middleware/body.ts) follow the same protocol, so
 * onError has one branch. Anything else is our bug: 500, logged with its stack, a message that
 * leaks nothing.
 * notFound answers 405 (with Allow) when the path exists under another method.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { clip } from '../quote.ts';
import { log, requestIdOf } from './request-id.ts';

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_multipart'
  | 'invalid_parameter'
  | 'unknown_model'
  | 'missing_image'
  | 'invalid_base64'
  | 'body_too_large'
  | 'body_timeout'
  | 'body_incomplete'
  | 'too_many_images'
  | 'unauthorized'
  | 'invalid_authorization'
  | 'not_found'
  | 'method_not_allowed'
  | 'misconfigured'
  | 'model_unavailable'
  | 'internal_error'
  // classify by URL (worker/origin/errors.ts)
  | 'url_fetch_disabled'
  | 'invalid_url'
  | 'origin_not_allowed'
  | 'image_not_found'
  | 'origin_denied'
  | 'origin_rate_limited'
  | 'origin_error'
  | 'too_many_redirects'
  | 'origin_unreachable'
  | 'origin_timeout'
  // from worker/image/errors.ts
  | 'empty_body'
  | 'unsupported_media_type'
  | 'invalid_image'
  | 'image_too_large';

/** What an error carries to be answered as itself. */
export interface HttpError {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly message: string;
  readonly headers?: Record<string, string>;
  /** Worth a log line: `warn` (one line, the client's doing) or `error` (with the cause; ours). */
  readonly log?: 'warn' | 'error';
}

export function isHttpError(e: unknown): e is Error & HttpError {
  return e instanceof Error && typeof (e as Partial<HttpError>).status === 'number' && typeof (e as Partial<HttpError>).code === 'string';
}

export class ApiError extends Error implements HttpError {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly log?: 'warn' | 'error',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Where a part of a multi-image request failed: the same answer, its message prefixed with the part. */
export function inPart(part: string, e: unknown): unknown {
  return isHttpError(e) ? new ApiError(e.status, e.code as ErrorCode, `${part}: ${e.message}`, e.headers, e.log) : e;
}

export interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

/** Longest message sent; longer ones (which only echoed input can make) are cut. */
const MAX_MESSAGE = 1000;

export function errorResponse(c: Context, e: HttpError) {
  for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
  const message = e.message.length > MAX_MESSAGE ? `${e.message.slice(0, MAX_MESSAGE)}… (cut)` : e.message;
  return c.json({ error: { code: e.code, message, request_id: requestIdOf(c) } } satisfies ErrorBody, e.status);
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = { 400: 'invalid_parameter', 401: 'unauthorized', 404: 'not_found', 405: 'method_not_allowed', 413: 'body_too_large' };

/** Hono's own HTTPException (none of ours throw it) keeps its status and headers; anything else is a 500. */
function unknownError(err: Error): HttpError {
  if (err instanceof HTTPException && err.status < 500) {
    const headers: Record<string, string> = {};
    err.getResponse().headers.forEach((v, k) => {
      if (k !== 'content-type' && k !== 'content-length') headers[k] = v;
    });
    return { status: err.status as ContentfulStatusCode, code: CODE_BY_STATUS[err.status] ?? 'invalid_parameter', message: err.message || 'Request failed.', headers };
  }
  return { status: 500, code: 'internal_error', message: 'Internal error. The request was not processed; retrying may help. If it persists, report it with its request_id.', log: 'error' };
}

export const onError: ErrorHandler = (err, c) => {
  const e = isHttpError(err) ? err : unknownError(err);
  if (e.log === 'warn') log(c, 'warn', `${e.code}: ${err.message}`);
  else if (e.log === 'error') log(c, 'error', `${e.code}: ${err.message}`, err.cause ?? (isHttpError(err) ? undefined : err));
  return errorResponse(c, e);
};

/**
 * 404 for unknown paths; 405 with Allow for known paths under another method.
 * `allowed(path)` comes from the app's own route table, so it can never disagree with it.
 */
export function notFound(allowed: (path: string) => string[] | undefined): NotFoundHandler {
  return (c) => {
    const methods = allowed(c.req.path);
    if (methods) {
      return errorResponse(c, {
        status: 405,
        code: 'method_not_allowed',
        message: `${clip(c.req.method)} is not allowed on ${c.req.path}. Allowed: ${methods.join(', ')}.`,
        headers: { Allow: methods.join(', ') },
      });
    }
    return errorResponse(c, { status: 404, code: 'not_found', message: `No route ${clip(c.req.path)}. See /openapi.json for the API.` });
  };
}
