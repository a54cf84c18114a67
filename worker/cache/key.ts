/**
 * Keys of the result cache: synthetic GET URLs (the Cache API keys by URL) that name everything
 * the answer is a function of, so two requests share an entry only if they must get the same
 * logits:
 *
 *   <origin>/results/v<RESULT_PIPELINE_VERSION>/<model SHA-256>/<kind>/<SHA-256>?<answer params>
 *
 * - kind `image`: the SHA-256 of the image bytes (uploads and fetched images alike);
 * - kind `url`: the SHA-256 of the final URL and the origin's validator (strong ETag, or
 *   Last-Modified + Content-Length), a first key that answers without reading the body;
 * - the model's SHA-256 (its file digest): another model, or a new version of one, misses;
 * - the answer params: the vars that change the pixels the engine sees (MAX_DECODE_MB and DECODE
 *   pick the DCT scale of JPEGs) or which images are accepted (MAX_PIXELS). DECODE appears only
 *   when it is `fast`, so the keys of the default (`exact`) stay what they were.
 * top_k is not part of the key: the entry holds every logit and top_k is applied on the way out.
 * The engine build is not either: SIMD128 and relaxed are bit-identical (test/workers/relaxed-engine.test.ts).
 * `<origin>` is the Worker's own (Cloudflare advises against foreign hostnames in cache keys).
 */

/**
 * Bump when decode, preprocessing or the engine's arithmetic change what a model file computes
 * for the same bytes: entries made by the old code then miss. test/workers/result-cache.test.ts
 * pins the pipeline's output for a few images and fails, naming this constant, when it changes.
 */
export const RESULT_PIPELINE_VERSION = 1;

export interface AnswerParams {
  /** Digest of the model file. */
  modelSha256: string;
  maxDecodeBytes: number;
  maxPixels: number;
  /** DECODE (default exact). */
  decode?: 'exact' | 'fast';
}

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function keyUrl(origin: string, kind: 'image' | 'url', digest: string, p: AnswerParams): string {
  const q = new URLSearchParams({ decode_bytes: String(p.maxDecodeBytes), max_pixels: String(p.maxPixels) });
  if (p.decode === 'fast') q.set('decode', 'fast');
  return `${origin}/results/v${RESULT_PIPELINE_VERSION}/${p.modelSha256}/${kind}/${digest}?${q}`;
}

/** The key of the logits of these image bytes. */
export async function imageKey(origin: string, bytes: Uint8Array, p: AnswerParams): Promise<string> {
  return keyUrl(origin, 'image', await sha256Hex(bytes), p);
}

/** The key of the logits of the image an origin serves at `url` under `validator`. */
export async function urlKey(origin: string, url: string, validator: string, p: AnswerParams): Promise<string> {
  return keyUrl(origin, 'url', await sha256Hex(`${url}\n${validator}`), p);
}
