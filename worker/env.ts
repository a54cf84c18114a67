/**
 * The Worker's bindings and the Hono context types. `Cloudflare.Env` is generated from wrangler.toml
 * by `npm run types` (wrangler types, into worker-configuration.d.ts; a test checks it is current).
 * Every var is optional here: the code falls back to its default when one is unset, and the tests
 * run with partial environments. What wrangler.toml does not declare is added below.
 */

export interface Env extends Partial<Cloudflare.Env> {
  /** Default model (a name from /v1/models); unset: the default of models/manifest.json. */
  MODEL?: string;
  /** Engine build: `simd128` (default), `relaxed` or `auto` (relaxed SIMD when the runtime has it). */
  ENGINE?: string;
  MAX_BODY_BYTES?: string;
  MAX_PIXELS?: string;
  /** Memory one image decode may take, in MiB (default 64), estimated from the header; over it -> 413. */
  MAX_DECODE_MB?: string;
  /** `exact` (default) or `fast`: how far a JPEG is DCT-scaled for the model (image/budget.ts). */
  DECODE?: string;
  /** Images per multipart request (default 16). */
  MAX_IMAGES?: string;
  /** Milliseconds the whole request body may take to arrive (default 30000); then 408. */
  BODY_TIMEOUT_MS?: string;
  /** Comma-separated origins allowed by CORS; `*` allows any. Unset or empty: no CORS headers. */
  CORS_ORIGINS?: string;
  /** Secret. When set, /v1/* requires `Authorization: Bearer <API_KEY>`. */
  API_KEY?: string;
  /**
   * Comma-separated `host` / `host:port` entries that `?url=` may fetch images from. Empty or
   * unset: classifying by URL is off (403 url_fetch_disabled). See worker/origin/allow-list.ts.
   */
  IMAGE_ORIGINS?: string;
  /** Milliseconds a URL fetch may take in all, connect to last byte (default 10000); then 504 origin_timeout. */
  FETCH_TIMEOUT_MS?: string;
  /** Seconds a result stays in the result cache (default 604800 = 7 days); 0 turns the cache off. */
  RESULT_CACHE_TTL?: string;
  /** "1" turns on the bench routes (routes/bench.ts): POST /v1/bench/noop, the do-nothing route `npm run bench:request` subtracts, and /v1/bench/stages. */
  BENCH_ROUTES?: string;
}

/** Request limits from the vars (middleware/limits.ts reads them; middleware/body.ts enforces the body ones). */
export interface Limits {
  maxBodyBytes: number;
  maxPixels: number;
  /** Memory budget of one image decode, in bytes (MAX_DECODE_MB is in MiB). */
  maxDecodeBytes: number;
  maxImages: number;
  /** The whole request body must arrive within this (BODY_TIMEOUT_MS), else 408. */
  bodyTimeoutMs: number;
  /** DECODE: how far a JPEG may be DCT-scaled for the model (image/budget.ts). */
  decode: 'exact' | 'fast';
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** cf-ray, or a random UUID (middleware/request-id.ts). */
    requestId: string;
    body: Uint8Array;
    limits: Limits;
  };
}
