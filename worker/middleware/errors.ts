/**
 * One error shape for every answer that is not a success: `{"error": {"code", "message"}}`.
 *
 * - ApiError: thrown by our routes and middleware with the status and code to send.
 * - ImageError (worker/image): the client's image is empty, unsupported, corrupt or too large.
 * - HTTPException (hono): mapped by status.
 * - Anything else is our bug: 500, logged, with a message that leaks nothing.
 * notFound answers 405 (with Allow) when the path exists under another method.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isImageError } from '../image/errors.ts';
import { ConfigError, ModelLoadError, UnknownModelError } from '../model/registry.ts';

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_multipart'
  | 'invalid_parameter'
  | 'unknown_model'
  | 'missing_image'
  | 'invalid_base64'
  | 'body_too_large'
  | 'too_many_images'
  | 'unauthorized'
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

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, headers: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json({ error: { code, message } } satisfies ErrorBody, status);
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_parameter',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_parameter',
};

/** Where a part of a multi-image request failed: prefixed to the message. */
export class PartError extends Error {
  constructor(
    readonly part: string,
    readonly inner: unknown,
  ) {
    super(`${part}: ${inner instanceof Error ? inner.message : String(inner)}`);
  }
}

export const onError: ErrorHandler = (err, c) => {
  let prefix = '';
  if (err instanceof PartError) {
    prefix = `${err.part}: `;
    err = err.inner as Error;
  }
  if (err instanceof ApiError) return errorResponse(c, err.status, err.code, prefix + err.message, err.headers);
  if (isImageError(err)) return errorResponse(c, err.status, err.code, prefix + err.message);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return errorResponse(c, status, CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'invalid_parameter'), prefix + (err.message || 'Request failed.'));
  }
  if (err instanceof UnknownModelError) return errorResponse(c, 422, 'unknown_model', prefix + err.message);
  if (err instanceof ConfigError) {
    console.error(err.message);
    return errorResponse(c, 500, 'misconfigured', err.message);
  }
  if (err instanceof ModelLoadError) {
    // Not cached: the next request tries again (see registry.ts).
    console.error(err.message, err.cause);
    return errorResponse(c, 503, 'model_unavailable', err.message, { 'Retry-After': '1' });
  }
  console.error('unhandled error:', err);
  return errorResponse(c, 500, 'internal_error', 'Internal error. The request was not processed; retrying may help. If it persists, report it with the time of the request.');
};

/**
 * 404 for unknown paths; 405 with Allow for known paths under another method.
 * `allowed(path)` comes from the app's own route table, so it can never disagree with it.
 */
export function notFound(allowed: (path: string) => string[] | undefined): NotFoundHandler {
  return (c) => {
    const methods = allowed(c.req.path);
    if (methods) {
      return errorResponse(c, 405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}. Allowed: ${methods.join(', ')}.`, {
        Allow: methods.join(', '),
      });
    }
    return errorResponse(c, 404, 'not_found', `No route ${c.req.path}. See /openapi.json for the API.`);
  };
}
