/**
 * Cache-Control of our answer to a URL request, from the origin's caching headers: the answer is
 * a function of the image (and the model), so a downstream cache may keep it exactly as long as
 * the origin lets it keep the image, and no longer.
 *
 * - origin `no-store` → `no-store`;
 * - origin `no-cache`, or no freshness information at all (no max-age, no Expires) → `no-cache`;
 * - otherwise `max-age` = what is left of the image's freshness lifetime (its max-age, else
 *   Expires − Date, minus its Age), `public`, or `private` when the origin said `private` or when
 *   this deployment requires an API key (a shared cache must not hand a keyed answer to others).
 * s-maxage, stale-while-revalidate and the like are not carried over.
 */

interface Directives {
  noStore: boolean;
  noCache: boolean;
  private: boolean;
  maxAge: number | null;
}

function parseCacheControl(value: string | null): Directives {
  const d: Directives = { noStore: false, noCache: false, private: false, maxAge: null };
  for (const part of (value ?? '').split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    const arg = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name === 'no-store') d.noStore = true;
    else if (name === 'no-cache') d.noCache = true;
    else if (name === 'private') d.private = true;
    else if (name === 'max-age' && /^\d{1,10}$/.test(arg)) d.maxAge = Number(arg);
  }
  return d;
}

const seconds = (v: string | null) => (v && /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : null);
const date = (v: string | null) => {
  const t = v ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : null;
};

/** Our Cache-Control for an answer computed from an image whose origin answered with `h`. */
export function answerCacheControl(h: Headers, options: { keyed: boolean }): string {
  const d = parseCacheControl(h.get('cache-control'));
  if (d.noStore) return 'no-store';
  if (d.noCache) return 'no-cache';
  let lifetime = d.maxAge;
  if (lifetime === null) {
    const expires = date(h.get('expires'));
    const served = date(h.get('date'));
    // An invalid Expires (e.g. "0") means already expired (RFC 9111 5.3).
    if (h.has('expires')) lifetime = expires !== null && served !== null ? Math.max(0, Math.floor((expires - served) / 1000)) : 0;
  }
  if (lifetime === null) return 'no-cache';
  const left = Math.max(0, lifetime - (seconds(h.get('age')) ?? 0));
  if (left === 0) return 'no-cache';
  return `${d.private || options.keyed ? 'private' : 'public'}, max-age=${left}`;
}
