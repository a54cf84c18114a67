/**
 * How fetching an image by URL fails, as our own answers. The origin's status picks the answer;
 * its headers and body are never passed on (messages name only its HTTP status).
 *
 * | situation                                              | status | code                 |
 * |--------------------------------------------------------|--------|----------------------|
 * | IMAGE_ORIGINS is empty                                 | 403    | url_fetch_disabled   |
 * | not an http(s) URL, credentials in it, too long        | 422    | invalid_url          |
 * | host (or a redirect's host) not in IMAGE_ORIGINS,      | 403    | origin_not_allowed   |
 * |   or a redirect from https to http                     |        |                      |
 * | origin 404 or 410                                      | 422    | image_not_found      |
 * | origin 401, 403, 407 or 451                            | 422    | origin_denied        |
 * | origin 429                                             | 503    | origin_rate_limited  |
 * | more than MAX_REDIRECTS redirects                      | 502    | too_many_redirects   |
 * | any other origin status (5xx, other 4xx, 204, 206, …), | 502    | origin_error         |
 * |   a redirect without a usable Location, an empty body  |        |                      |
 * | no connection (DNS, refused, TLS) or the body broke    | 502    | origin_unreachable   |
 * | no complete answer within FETCH_TIMEOUT_MS             | 504    | origin_timeout       |
 * | body over MAX_BODY_BYTES, or header over MAX_PIXELS    | 413    | image_too_large      |
 * | the bytes are not a JPEG, PNG or WebP / are corrupt    | 415 / 400, as for uploads     |
 */
import { ApiError } from '../middleware/errors.ts';

export const MAX_REDIRECTS = 3;

export const urlFetchDisabled = () =>
  new ApiError(403, 'url_fetch_disabled', 'Classifying by URL is turned off on this deployment (its IMAGE_ORIGINS variable is empty). Send the image bytes instead.');

export const invalidUrl = (why: string) => new ApiError(422, 'invalid_url', `The url parameter is not usable: ${why}.`);

export const notAllowed = (host: string, redirected: boolean) =>
  new ApiError(
    403,
    'origin_not_allowed',
    redirected
      ? 'The origin redirected to a host that is not in this deployment’s IMAGE_ORIGINS allow-list; the redirect was not followed.'
      : `The host ${JSON.stringify(host.slice(0, 100))} is not in this deployment’s IMAGE_ORIGINS allow-list.`,
  );

export const downgrade = () => new ApiError(403, 'origin_not_allowed', 'The origin redirected from https to http; the redirect was not followed.');

export const tooManyRedirects = () => new ApiError(502, 'too_many_redirects', `The origin redirected more than ${MAX_REDIRECTS} times; the image was not fetched.`);

export const badRedirect = (status: number) => new ApiError(502, 'origin_error', `The origin answered HTTP ${status} without a usable Location; the image was not fetched.`);

export const unreachable = (during: 'connect' | 'body') =>
  new ApiError(
    502,
    'origin_unreachable',
    during === 'connect' ? 'The origin could not be reached (DNS, connection or TLS failure).' : 'The connection to the origin broke while the image was being read.',
  );

export const emptyImage = () => new ApiError(502, 'origin_error', 'The origin answered with an empty body instead of the image.');

export const timedOut = (ms: number) => new ApiError(504, 'origin_timeout', `The origin did not deliver the image within ${ms} ms (FETCH_TIMEOUT_MS).`);

/** The answer for a final (non-redirect) origin status other than 200/203. */
export function originStatusError(status: number): ApiError {
  if (status === 404 || status === 410) return new ApiError(422, 'image_not_found', `The origin has no image at this URL (HTTP ${status}).`);
  if (status === 401 || status === 403 || status === 407 || status === 451) {
    return new ApiError(422, 'origin_denied', `The origin refused to give out the image (HTTP ${status}).`);
  }
  if (status === 429) return new ApiError(503, 'origin_rate_limited', 'The origin is rate-limiting requests (HTTP 429); try again later.');
  return new ApiError(502, 'origin_error', `The origin answered HTTP ${status} instead of the image.`);
}
