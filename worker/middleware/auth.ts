/**
 * Optional bearer-token auth. With no API_KEY secret configured everything is open; with one,
 * the routes this guards need `Authorization: Bearer <API_KEY>` (checked before the body is read).
 *
 * Both the presented token and the key are hashed with SHA-256 and the digests are compared
 * with an XOR over all 32 bytes, so neither the length nor the position of the first wrong
 * byte shows in the timing.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { ApiError } from './errors.ts';

const encoder = new TextEncoder();

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)));
}

export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

const challenge = { 'WWW-Authenticate': 'Bearer realm="ghostnet-edge"' };

export const auth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const key = c.env.API_KEY;
    if (!key) return next();
    const header = c.req.header('authorization');
    const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'unauthorized', 'This API needs an API key: send the header "Authorization: Bearer <key>".', challenge);
    if (!(await secretsEqual(match[1], key))) throw new ApiError(401, 'unauthorized', 'The API key is not valid.', { ...challenge, 'WWW-Authenticate': `${challenge['WWW-Authenticate']}, error="invalid_token"` });
    await next();
  });
