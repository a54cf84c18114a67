/**
 * Optional bearer-token auth: Hono's bearerAuth, with `verifyToken` comparing against the API_KEY
 * secret with Hono's timingSafeEqual (SHA-256 of both, then a constant-time compare, so neither
 * the key's length nor the position of the first wrong byte shows in the timing). With no API_KEY
 * everything is open. Checked before the body is read.
 *
 * What the header must look like is bearerAuth's (RFC 6750 / RFC 9110), documented in
 * docs/API.md: the scheme `Bearer` in any case, ONE space, then the token (token68 characters;
 * more spaces before it are tolerated). A tab as separator, another scheme or a token with other
 * characters is a malformed header: 400 `invalid_authorization`. No header: 401. Wrong token: 401.
 * Trailing spaces never reach the Worker (HTTP strips them from header values).
 *
 * bearerAuth answers with an HTTPException carrying its response; that is turned here into our
 * error shape, keeping its status and WWW-Authenticate header.
 */
import { bearerAuth } from 'hono/bearer-auth';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { AppEnv } from '../env.ts';
import { ApiError } from './errors.ts';

const REALM = 'ghostnet-edge';

const check = bearerAuth<AppEnv>({
  realm: REALM,
  verifyToken: (token, c) => timingSafeEqual(c.env.API_KEY!, token),
});

function asApiError(e: HTTPException): ApiError {
  const challenge = { 'WWW-Authenticate': e.getResponse().headers.get('WWW-Authenticate') ?? `Bearer realm="${REALM}"` };
  const wrong = /error="invalid_token"/.test(challenge['WWW-Authenticate']);
  if (e.status === 400) {
    return new ApiError(400, 'invalid_authorization', 'The Authorization header is malformed: send "Authorization: Bearer <key>" (one space, the key as is).', challenge);
  }
  return new ApiError(401, 'unauthorized', wrong ? 'The API key is not valid.' : 'This API needs an API key: send the header "Authorization: Bearer <key>".', challenge);
}

/** bearerAuth accepts only token68 tokens, so a key with other characters could never be sent. */
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*$/;

export const auth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.env.API_KEY) return next();
    if (!TOKEN68.test(c.env.API_KEY)) {
      throw new ApiError(500, 'misconfigured', 'The API_KEY secret must be token68 characters (letters, digits, - . _ ~ + /, then = padding): no client could send it.', {}, 'error');
    }
    try {
      await check(c, async () => {});
    } catch (e) {
      throw e instanceof HTTPException ? asApiError(e) : e;
    }
    await next();
  });
