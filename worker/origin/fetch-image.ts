/**
 * Fetching a client's image URL from an allowed origin, with the Workers `fetch`, so Cloudflare's
 * cache in the data centre answers when it holds the image.
 *
 * Cache policy of the fetch (`cf: { cacheEverything: true }`, no TTL override): any response the
 * origin lets caches keep is cached, whatever the URL's extension (image URLs with a query string
 * or without a file extension included), for as long as the origin's Cache-Control / Expires
 * say; `private` and `no-store` answers are not cached; without any header Cloudflare's default
 * edge TTL for the status applies. So the origin stays in charge of freshness.
 *
 * Redirects are followed by hand (`redirect: 'manual'`), at most MAX_REDIRECTS, each target
 * checked against IMAGE_ORIGINS first; an https → http redirect is refused. Nothing of the
 * client's request (cookies, Authorization) is forwarded; nothing of the origin's answer but its
 * status (in error messages) and its caching headers (turned into our own Cache-Control,
 * freshness.ts) reaches the client.
 *
 * `openImage` returns once the origin's final answer has arrived, before its body is read, so a
 * result cached under the URL and the origin's validator (ETag, Last-Modified) can answer without
 * reading the body at all; `read()` then reads it under the upload limits (read-body.ts).
 */
import { allows, type AllowList } from './allow-list.ts';
import { Deadline } from './deadline.ts';
import { badRedirect, downgrade, invalidUrl, MAX_REDIRECTS, notAllowed, originStatusError, tooManyRedirects, unreachable } from './errors.ts';
import { readImageBody, type BodyLimits } from './read-body.ts';

export interface OriginOptions extends BodyLimits {
  allow: AllowList;
  /** FETCH_TIMEOUT_MS: connect + redirects + body, in all. */
  timeoutMs: number;
}

export interface OriginImage {
  /** The URL the image came from, after redirects (never shown to the client). */
  url: string;
  /**
   * What identifies this version of the image at `url`, when the origin says: its strong ETag,
   * else Last-Modified with Content-Length. Null when there is neither (or only a weak ETag).
   */
  validator: string | null;
  /** The origin's final answer's headers (read for caching; never forwarded). */
  headers: Headers;
  /** The body, read under the limits; throws ImageError 413/415 or an origin error. */
  read(): Promise<Uint8Array>;
  /** Stops: cancels the body and the deadline (safe to call at any time, and more than once). */
  close(): Promise<void>;
}

const MAX_URL_LENGTH = 4096;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Formats we decode first; AVIF/HEIC/GIF are left out so a negotiating image CDN does not pick them. */
const ACCEPT = 'image/webp,image/png,image/jpeg;q=0.9,*/*;q=0.1';

/** The client's `url`: an absolute http(s) URL without credentials (the fragment is dropped). */
export function parseImageUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) throw invalidUrl(`it is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('it is not an absolute URL (expected https://host/path)');
  }
  checkUrl(url, (why) => invalidUrl(why));
  url.hash = '';
  return url;
}

function checkUrl(url: URL, fail: (why: string) => Error): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail(`only http and https URLs are fetched, not ${url.protocol.slice(0, 20)}`);
  if (url.username || url.password) throw fail('URLs with credentials (user:password@) are not fetched');
}

const strongEtag = (h: Headers) => {
  const etag = h.get('etag')?.trim();
  return etag && !etag.startsWith('W/') ? etag : null;
};

function validatorOf(h: Headers): string | null {
  const etag = strongEtag(h);
  if (etag) return `etag ${etag}`;
  const modified = h.get('last-modified')?.trim();
  const length = h.get('content-length')?.trim();
  // Last-Modified alone has a one-second grain; with the length a same-second rewrite must also keep the size.
  return modified && length && /^\d+$/.test(length) ? `modified ${modified}; length ${length}` : null;
}

function declaredLength(h: Headers): number | null {
  const v = h.get('content-length')?.trim();
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

export async function openImage(start: URL, o: OriginOptions): Promise<OriginImage> {
  if (!allows(o.allow, start)) throw notAllowed(start.host, false);
  const deadline = new Deadline(o.timeoutMs);
  let url = start;
  let res: Response;
  try {
    for (let hop = 0; ; hop++) {
      try {
        res = await deadline.race(
          fetch(url.href, {
            method: 'GET',
            redirect: 'manual',
            signal: deadline.signal,
            headers: { Accept: ACCEPT, 'User-Agent': 'ghostnet-edge (image classification)' },
            cf: { cacheEverything: true },
          }),
        );
      } catch {
        throw deadline.expired ? deadline.error() : unreachable('connect');
      }
      if (!REDIRECTS.has(res.status)) break;
      await res.body?.cancel().catch(() => {});
      if (hop === MAX_REDIRECTS) throw tooManyRedirects();
      const location = res.headers.get('location');
      let next: URL;
      try {
        next = new URL(location ?? '', url);
      } catch {
        throw badRedirect(res.status);
      }
      if (!location) throw badRedirect(res.status);
      checkUrl(next, () => notAllowed(next.host, true));
      if (url.protocol === 'https:' && next.protocol === 'http:') throw downgrade();
      if (!allows(o.allow, next)) throw notAllowed(next.host, true);
      next.hash = '';
      url = next;
    }
    if (res.status !== 200 && res.status !== 203) {
      await res.body?.cancel().catch(() => {});
      throw originStatusError(res.status);
    }
  } catch (e) {
    deadline.clear();
    throw e;
  }
  const final = res;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    deadline.clear();
    if (!final.bodyUsed) await final.body?.cancel().catch(() => {});
  };
  return {
    url: url.href,
    validator: validatorOf(final.headers),
    headers: final.headers,
    async read() {
      try {
        return await readImageBody(final.body, declaredLength(final.headers), o, deadline);
      } finally {
        await close();
      }
    },
    close,
  };
}
