/**
 * The result cache: logits of images already classified, in the Workers Cache API
 * (`caches.open('ghostnet-edge-results')`), so the same bytes are never decoded and run twice
 * where the cache holds them.
 *
 * What it is and is not (docs/API.md, "Result cache"): the Cache API is per Cloudflare data
 * centre, not replicated; entries may be evicted at any time before RESULT_CACHE_TTL; on
 * *.workers.dev (and in the dashboard preview) it stores nothing, only on a custom domain does it
 * work. Locally, wrangler dev keeps it on disk (.wrangler/state/v3/cache, across restarts); Miniflare
 * without persistence (the tests, bench:cache) keeps it in memory.
 *
 * An entry is the decoded image's measurements for the out-of-domain note (width, height,
 * colourfulness, border: 4 float64) followed by the model's logits (numClasses float32), all
 * little-endian, so a hit gives bit-identical predictions for any top_k and the same note.
 * Writes run after the answer (`waitUntil`).
 *
 * Per request: RESULT_CACHE_TTL = 0 turns it off (`off`); a client's `Cache-Control: no-cache`
 * skips the lookup but stores the fresh result (`miss`); `no-store` skips both (`bypass`).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import type { ImageStats } from '../image/domain.ts';
import { ApiError } from '../middleware/errors.ts';

export type CacheStatus = 'hit' | 'miss' | 'bypass' | 'off';

/** What an entry holds: everything an answer needs that decoding and inference would give. */
export interface CachedResult {
  logits: Float32Array;
  image: ImageStats;
}

const STATS = ['width', 'height', 'colourfulness', 'border'] as const;
const STATS_BYTES = STATS.length * 8;

function encode(r: { logits: ArrayLike<number>; image: ImageStats }): ArrayBuffer {
  const buf = new ArrayBuffer(STATS_BYTES + r.logits.length * 4);
  const view = new DataView(buf);
  STATS.forEach((k, i) => view.setFloat64(i * 8, r.image[k], true));
  for (let i = 0; i < r.logits.length; i++) view.setFloat32(STATS_BYTES + i * 4, r.logits[i], true);
  return buf;
}

/** The entry, or null when it is not one of `classes` logits (a foreign or damaged entry is a miss). */
function decode(buf: ArrayBuffer, classes: number): CachedResult | null {
  if (buf.byteLength !== STATS_BYTES + classes * 4) return null;
  const view = new DataView(buf);
  const image = Object.fromEntries(STATS.map((k, i) => [k, view.getFloat64(i * 8, true)])) as unknown as ImageStats;
  const logits = new Float32Array(classes);
  for (let i = 0; i < classes; i++) logits[i] = view.getFloat32(STATS_BYTES + i * 4, true);
  return { logits, image };
}

export const RESULT_CACHE_NAME = 'ghostnet-edge-results';
export const DEFAULT_RESULT_CACHE_TTL = 7 * 24 * 3600;

export function resultCacheTtl(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RESULT_CACHE_TTL;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new ApiError(500, 'misconfigured', `The RESULT_CACHE_TTL variable must be an integer >= 0 (seconds; 0 = off), got ${JSON.stringify(raw.slice(0, 40))}.`);
  return n;
}

export class ResultCache {
  private constructor(
    /** `off`/`bypass` when nothing is read, else null. */
    readonly skipped: 'off' | 'bypass' | null,
    private readonly lookups: boolean,
    private readonly ttl: number,
    private readonly cache: Cache | null,
    private readonly defer: (p: Promise<unknown>) => void,
  ) {}

  /** The cache as this request may use it. */
  static async forRequest(c: Context<AppEnv>): Promise<ResultCache> {
    const ttl = resultCacheTtl(c.env.RESULT_CACHE_TTL);
    const directives = (c.req.header('cache-control') ?? '').toLowerCase();
    const defer = (p: Promise<unknown>) => {
      try {
        c.executionCtx.waitUntil(p);
      } catch {
        // No ExecutionContext (a bare app.request in a test): the write still runs, unawaited.
      }
    };
    if (ttl === 0 || typeof caches === 'undefined') return new ResultCache('off', false, 0, null, defer);
    if (/(^|,)\s*no-store\s*(,|$)/.test(directives)) return new ResultCache('bypass', false, 0, null, defer);
    let cache: Cache;
    try {
      cache = await caches.open(RESULT_CACHE_NAME);
    } catch (e) {
      console.error('result cache unavailable:', (e as Error).message);
      return new ResultCache('off', false, 0, null, defer);
    }
    return new ResultCache(null, !/(^|,)\s*no-cache\s*(,|$)/.test(directives), ttl, cache, defer);
  }

  /** Whether keys are worth computing (something will be read or written). */
  get active(): boolean {
    return this.cache !== null;
  }

  /** The status of an answer that was computed (not read from the cache). */
  get missStatus(): CacheStatus {
    return this.skipped ?? 'miss';
  }

  /** The result stored under `key`, if there is a well-formed entry for `classes` classes. */
  async get(key: string, classes: number): Promise<CachedResult | null> {
    if (!this.cache || !this.lookups) return null;
    try {
      const res = await this.cache.match(key);
      return res ? decode(await res.arrayBuffer(), classes) : null;
    } catch (e) {
      console.error('result cache read failed:', (e as Error).message);
      return null;
    }
  }

  /** Stores `result` under every key, after the answer has gone out. */
  put(keys: string[], result: { logits: ArrayLike<number>; image: ImageStats }): void {
    if (!this.cache || keys.length === 0) return;
    const buf = encode(result);
    const cache = this.cache;
    const headers = { 'Content-Type': 'application/octet-stream', 'Cache-Control': `public, max-age=${this.ttl}` };
    this.defer(Promise.all(keys.map((k) => cache.put(k, new Response(buf.slice(0), { headers })))).catch((e) => console.error('result cache write failed:', (e as Error).message)));
  }
}
