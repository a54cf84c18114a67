/**
 * The images and parameters of a /v1/classify or /v1/embed request (run.ts runs them).
 *
 * Body forms (the body was already read under MAX_BODY_BYTES by middleware/limits.ts):
 *  - multipart/form-data: one or more `image` file parts (plus optional `model`, `top_k` fields);
 *  - application/json (or any +json): {"image": [byte, ...] | "<base64>", "model"?, "top_k"?};
 *  - anything else is the image file itself. Its format is detected from the bytes by
 *    worker/image; the Content-Type is never trusted (so `curl --data-binary @x.jpg`, which sends
 *    application/x-www-form-urlencoded, works too).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../middleware/errors.ts';
import { clip, quote } from '../quote.ts';
import type { Limits } from '../middleware/limits.ts';

export interface ImageInput {
  bytes: Uint8Array;
  /** Where it came from, for error messages: "image part 2 (cat.jpg)". */
  label: string;
  filename?: string;
}

export interface ImageRequest {
  images: ImageInput[];
  /** multipart: answer with one result per image. */
  multi: boolean;
  model?: string;
  topK?: number;
  /** A JSON body's `url` (classify only): the image is to be fetched (routes/classify-url.ts); `images` is then empty. */
  url?: string;
}

const bad = (code: 'invalid_parameter' | 'missing_image' | 'invalid_base64', message: string) => new ApiError(422, code, message);

/** Non-negative integer from a query/form string or a JSON number. */
export function parseTopK(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^[0-9]{1,15}$/.test(value.trim())) return Number(value.trim());
  throw bad('invalid_parameter', `${where} top_k must be an integer >= 0 (0 = all classes), got ${quote(value)}.`);
}

function merge<T>(name: string, fromQuery: T | undefined, fromBody: T | undefined): T | undefined {
  if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
    throw bad('invalid_parameter', `${name} is given both in the query (${quote(fromQuery)}) and in the body (${quote(fromBody)}) with different values.`);
  }
  return fromBody ?? fromQuery;
}

const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();

export async function readImageRequest(c: Context<AppEnv>, query: { top_k?: string; model?: string }, acceptsTopK: boolean, acceptsUrl = false): Promise<ImageRequest> {
  const body = c.get('body');
  const limits = c.get('limits');
  const type = mediaType(c);
  let req: ImageRequest;
  if (type === 'multipart/form-data') req = await fromMultipart(c, body, limits);
  else if (type === 'application/json' || type.endsWith('+json')) req = fromJson(body, acceptsTopK, acceptsUrl);
  else req = { images: [{ bytes: body, label: 'body' }], multi: false };

  const queryTopK = query.top_k === undefined ? undefined : parseTopK(query.top_k, 'query parameter');
  return { ...req, model: merge('model', query.model, req.model), topK: acceptsTopK ? merge('top_k', queryTopK, req.topK) : undefined };
}

async function fromMultipart(c: Context<AppEnv>, body: Uint8Array, limits: Limits): Promise<ImageRequest> {
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': c.req.header('content-type')! } }).formData();
  } catch (e) {
    throw new ApiError(400, 'invalid_multipart', `The multipart/form-data body could not be parsed (${(e as Error).message}). Send one or more "image" file parts.`);
  }
  const parts = form.getAll('image');
  if (parts.length === 0) throw bad('missing_image', 'The multipart body has no "image" part. Send the image file as a part named "image" (curl -F image=@photo.jpg).');
  if (parts.length > limits.maxImages) {
    throw new ApiError(413, 'too_many_images', `The request has ${parts.length} images; at most ${limits.maxImages} are accepted per request (MAX_IMAGES).`);
  }
  const images: ImageInput[] = [];
  for (const [i, part] of parts.entries()) {
    if (typeof part === 'string') throw bad('missing_image', `Part "image" #${i + 1} is a text field, not a file. Send files (curl -F image=@photo.jpg).`);
    const file = part as File;
    images.push({ bytes: new Uint8Array(await file.arrayBuffer()), label: `image part ${i + 1}${file.name ? ` (${clip(file.name)})` : ''}`, filename: file.name || undefined });
  }
  const field = (name: string) => {
    const all = form.getAll(name);
    if (all.length > 1) throw bad('invalid_parameter', `The field "${name}" is given ${all.length} times.`);
    if (all.length && typeof all[0] !== 'string') throw bad('invalid_parameter', `The field "${name}" must be a text field.`);
    return all[0] as string | undefined;
  };
  const topK = field('top_k');
  return { images, multi: true, model: field('model'), topK: topK === undefined ? undefined : parseTopK(topK, 'field') };
}

function fromJson(body: Uint8Array, acceptsTopK: boolean, acceptsUrl: boolean): ImageRequest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw new ApiError(
      400,
      'invalid_json',
      `The body is sent as JSON but is not valid JSON (${(e as Error).message}). To send the image file itself, use Content-Type image/jpeg, image/png, image/webp or application/octet-stream.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('invalid_parameter', 'The JSON body must be an object: {"image": [bytes...] or "<base64>"}.');
  }
  const o = value as Record<string, unknown>;
  const allowed = ['image', ...(acceptsUrl ? ['url'] : []), 'model', ...(acceptsTopK ? ['top_k'] : [])];
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    const names =
      unknown
        .slice(0, 3)
        .map((k) => quote(k))
        .join(', ') + (unknown.length > 3 ? ` and ${unknown.length - 3} more` : '');
    throw bad('invalid_parameter', `Unknown field${unknown.length > 1 ? 's' : ''} ${names} in the JSON body (allowed: ${allowed.join(', ')}).`);
  }
  if (o.model !== undefined && typeof o.model !== 'string') throw bad('invalid_parameter', 'The "model" field must be a string.');
  const topK = o.top_k === undefined ? undefined : parseTopK(o.top_k, 'field');
  if (acceptsUrl && o.url !== undefined) {
    if (typeof o.url !== 'string') throw bad('invalid_parameter', 'The "url" field must be a string.');
    if (o.image !== undefined) throw bad('invalid_parameter', 'The JSON body gives both "image" and "url": send one of them.');
    return { images: [], multi: false, url: o.url, model: o.model as string | undefined, topK };
  }
  if (o.image === undefined || o.image === null) {
    throw bad('missing_image', `The JSON body has no "image" field: send {"image": [bytes...]} or {"image": "<base64>"}${acceptsUrl ? ' or {"url": "https://…"}' : ''}.`);
  }
  const bytes = typeof o.image === 'string' ? fromBase64(o.image) : Array.isArray(o.image) ? fromByteArray(o.image) : null;
  if (!bytes) throw bad('invalid_parameter', 'The "image" field must be an array of bytes (0-255) or a base64 string.');
  return {
    images: [{ bytes, label: 'image' }],
    multi: false,
    model: o.model as string | undefined,
    topK,
  };
}

function fromByteArray(a: unknown[]): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw bad('invalid_parameter', `"image" must be an array of integers 0-255; element ${i} is ${quote(v, 20)}.`);
    }
    out[i] = v;
  }
  return out;
}

/** Standard or URL-safe base64, padding optional, whitespace ignored, optional data: URL prefix. */
export function fromBase64(s: string): Uint8Array {
  let text = s;
  const dataUrl = /^data:[^,]*;base64,/i.exec(text.slice(0, 256));
  if (dataUrl) text = text.slice(dataUrl[0].length);
  text = text
    .replace(/[\t\n\f\r ]+/g, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw bad('invalid_base64', 'The "image" string is not valid base64.');
  }
  const unpadded = text.replace(/=+$/, '');
  const padded = unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  try {
    if (native) return native(padded);
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    throw bad('invalid_base64', 'The "image" string is not valid base64.');
  }
}
