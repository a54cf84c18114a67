/**
 * Every request gets an id, sent back in `X-Request-Id` (on every answer, errors included, and in
 * the error JSON as `request_id`) and put on every log line, so a report can be matched to the
 * log. On Cloudflare it is the `cf-ray` of the request; elsewhere (wrangler dev, workerd) a random
 * UUID. A client's own X-Request-Id is not taken: ids in our log are ours.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const ray = c.req.header('cf-ray');
    const id = ray && /^[\w-]{1,64}$/.test(ray) ? ray : crypto.randomUUID();
    c.set('requestId', id);
    c.header(REQUEST_ID_HEADER, id);
    await next();
    // Answers built as new Response(...) (CORS preflights) skip c.header; set it on those too.
    if (!c.res.headers.has(REQUEST_ID_HEADER)) {
      try {
        c.res.headers.set(REQUEST_ID_HEADER, id);
      } catch {
        // immutable headers: nothing of ours
      }
    }
  });

export function requestIdOf(c: Context): string {
  return (c.get('requestId') as string | undefined) ?? 'none';
}

/**
 * One log line, JSON, with the request id: `{"level","request_id","method","path","message"}`.
 * `cause` (our bugs only) adds its stack, still on that one line.
 */
export function log(c: Context, level: 'warn' | 'error', message: string, cause?: unknown): void {
  const line: Record<string, string> = { level, request_id: requestIdOf(c), method: c.req.method, path: c.req.path.slice(0, 200), message };
  if (cause !== undefined) line.cause = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  (level === 'warn' ? console.warn : console.error)(JSON.stringify(line));
}
