/**
 * CORS from the CORS_ORIGINS allow-list (comma-separated origins; `*` allows any origin).
 * Unset or empty: no CORS headers, so browsers on other origins cannot read answers.
 * Preflights (OPTIONS) are answered here, before auth, as browsers send them without credentials.
 */
import { cors as honoCors } from 'hono/cors';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';

export function allowedOrigin(list: string | undefined, origin: string): string | null {
  if (!list) return null;
  const entries = list
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  if (entries.includes('*')) return '*';
  return origin && entries.includes(origin) ? origin : null;
}

export const cors = () =>
  honoCors({
    origin: (origin, c: Context<AppEnv>) => allowedOrigin(c.env.CORS_ORIGINS, origin),
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['Server-Timing', 'Content-Length', 'X-Cache', 'X-Request-Id'],
    maxAge: 86400,
  });
