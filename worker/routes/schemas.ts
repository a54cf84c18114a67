/**
 * Zod schemas shared by the route descriptions of the OpenAPI document (routes/openapi-doc.ts, built
 * by `npm run build`, not bundled in the Worker). The routes do not validate with them: routes/query.ts
 * checks the query, and test/node/query.test.ts holds it to the query schemas here.
 */
import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_image' }),
      message: z.string().openapi({ example: 'Invalid JPEG image: corrupt or truncated data.' }),
      request_id: z.string().openapi({ description: 'also in the X-Request-Id header: the cf-ray on Cloudflare, else a UUID', example: '8f3a2b1c0d4e5f60-SJC' }),
    }),
  })
  .openapi('Error');

export const ModelRefSchema = z
  .object({
    name: z.string().openapi({ example: 'fashion-mnist' }),
    sha256: z.string().openapi({ description: 'SHA-256 of the model file (its identity)', example: '3f1c…' }),
  })
  .openapi('ModelRef');

export const PredictionSchema = z
  .object({
    label: z.string().openapi({ example: 'Sneaker' }),
    index: z.number().int().openapi({ description: 'class index', example: 7 }),
    score: z.number().openapi({ description: 'softmax probability', example: 0.93 }),
  })
  .openapi('Prediction');

export const DomainSchema = z
  .object({
    in_domain: z.boolean().openapi({ description: 'false when the image is plainly unlike what the model was trained on' }),
    reason: z.string().optional().openapi({ description: 'why not, for people', example: 'This is a colour image (colourfulness 48); the model sees it in gray and was trained on grayscale images.' }),
  })
  .openapi('Domain', {
    description:
      'Present for models that declare a domain (models/manifest.json) or are trained on gray images. Judged from two measurements of the decoded image: ' +
      'colourfulness (Hasler–Süsstrunk) and the brightness of its border. in_domain=true does not mean the model knows the image.',
  });

export const TimingSchema = z
  .object({
    decode_ms: z.number().openapi({ description: 'sniff, header, decode' }),
    preprocess_ms: z.number().openapi({ description: 'EXIF orientation, resize, crop, normalize' }),
    inference_ms: z.number().openapi({ description: 'int8 engine forward pass' }),
    cache_ms: z.number().optional().openapi({ description: 'hashing the image and looking it up in the result cache (absent when the cache is off)' }),
    fetch_ms: z.number().optional().openapi({ description: 'fetching the image by URL: connection, redirects, body' }),
  })
  .openapi('Timing', {
    description: 'Wall-clock milliseconds. On deployed Workers the clock only advances across I/O, so these read 0 there; they are meaningful under wrangler dev / workerd.',
  });

const digits = (name: string) => z.string().regex(/^[0-9]+$/, `${name} must be an integer >= 0`);

export const ImageQuerySchema = z.object({
  top_k: digits('top_k')
    .optional()
    .openapi({
      param: { name: 'top_k', in: 'query', description: 'Number of classes to return, highest score first. 0 = all classes. Default 5. Also accepted as a body field.' },
      type: 'integer',
      minimum: 0,
      default: 5,
      example: 5,
    }),
  model: z
    .string()
    .optional()
    .openapi({
      param: { name: 'model', in: 'query', description: 'Model name from GET /v1/models; default: the MODEL variable. Also accepted as a body field. Unknown names answer 422 unknown_model.' },
      example: 'fashion-mnist',
    }),
});

export const ClassifyUrlQuerySchema = ImageQuerySchema.extend({
  url: z
    .string()
    .min(1)
    .openapi({
      param: {
        name: 'url',
        in: 'query',
        required: true,
        description: 'The image’s http(s) URL (percent-encoded). Its host (host:port) must be in the IMAGE_ORIGINS allow-list; redirects are followed within it, at most 3.',
      },
      example: 'https://images.example.com/cat.jpg',
    }),
});

export const CacheStatusSchema = z.enum(['hit', 'miss', 'bypass', 'off']).openapi('CacheStatus', {
  description:
    'Result cache: `hit` = answered from a stored result (no decode, no inference); `miss` = computed and stored; `bypass` = computed, not stored (request Cache-Control: no-store); `off` = RESULT_CACHE_TTL is 0. Also in the X-Cache header.',
});

export const EmbedQuerySchema = ImageQuerySchema.pick({ model: true });

export const JsonImageBodySchema = z
  .object({
    image: z
      .union([
        z.string().openapi({ description: 'The image file, base64 (standard or URL-safe alphabet; a data: URL prefix is accepted)' }),
        z.array(z.number().int().min(0).max(255)).openapi({ description: 'The image file as an array of bytes (as Workers AI takes it)' }),
      ])
      .optional()
      .openapi({ description: 'The encoded image file (JPEG, PNG or WebP), not pixels. Required unless `url` is given.' }),
    url: z.string().optional().openapi({ description: '/v1/classify only: the image’s http(s) URL instead of `image` (see GET /v1/classify)' }),
    top_k: z.number().int().min(0).optional().openapi({ description: 'as the query parameter' }),
    model: z.string().optional().openapi({ description: 'as the query parameter' }),
  })
  .openapi('JsonImageBody');

export const MultipartImageBodySchema = z
  .object({
    image: z
      .union([z.string().openapi({ format: 'binary' }), z.array(z.string().openapi({ format: 'binary' }))])
      .openapi({ description: 'One or more `image` file parts; one result per part, in order' }),
    top_k: z.string().optional().openapi({ description: 'as the query parameter' }),
    model: z.string().optional().openapi({ description: 'as the query parameter' }),
  })
  .openapi('MultipartImageBody');

const binary = { schema: { type: 'string' as const, format: 'binary' } };
const ref = (name: string) => ({ schema: { $ref: `#/components/schemas/${name}` } });

/**
 * The request body as documented. The schemas are references rather than zod objects on purpose:
 * @hono/zod-openapi would otherwise attach its own body validators, which read the body without
 * our size limit; request/read.ts reads and validates the body itself.
 */
export const imageRequestBody = {
  description:
    'The image as the raw body (any Content-Type other than JSON or multipart is treated as raw bytes; the format is detected from the bytes), ' +
    'a JSON object with the image bytes or base64, or multipart/form-data with one or more `image` files.',
  required: true,
  content: {
    'image/jpeg': binary,
    'image/png': binary,
    'image/webp': binary,
    'application/octet-stream': binary,
    'application/json': ref('JsonImageBody'),
    'multipart/form-data': ref('MultipartImageBody'),
  },
};

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

export const errorResponses = {
  400: error('Undecodable, corrupt or empty image; malformed JSON or multipart body; malformed Authorization header; body cut short'),
  401: error('API_KEY is configured and the bearer token is missing or wrong'),
  413: error('Body larger than MAX_BODY_BYTES, image larger than MAX_PIXELS or needing more than MAX_DECODE_MB to decode, or more than MAX_IMAGES parts'),
  415: error('Not a JPEG, PNG or WebP image (GIF, SVG, BMP, TIFF, HEIC, AVIF, …)'),
  422: error('Bad parameter: top_k, unknown model, JSON shape, base64, no image field'),
  503: error('The model could not be loaded (server-side; retry)'),
};

/** The answers only a request with a body can get (middleware/body.ts). */
export const bodyErrorResponses = {
  408: error('The body did not arrive within BODY_TIMEOUT_MS'),
};

/** The answers only a URL request can get (docs/API.md, "Classify by URL"; worker/origin/errors.ts). */
export const urlErrorResponses = {
  403: error('url_fetch_disabled: IMAGE_ORIGINS is empty; origin_not_allowed: the host, or a redirect’s host, is not in IMAGE_ORIGINS (or a redirect went from https to http)'),
  422: error('Bad parameter (top_k, unknown model, JSON shape); invalid_url; image_not_found (the origin answered 404/410); origin_denied (401/403/407/451)'),
  502: error('origin_unreachable (no connection, or it broke mid-body); origin_error (any other origin status, an empty body, a redirect without Location); too_many_redirects (more than 3)'),
  503: error('origin_rate_limited (the origin answered 429); model_unavailable'),
  504: error('origin_timeout: no complete answer within FETCH_TIMEOUT_MS'),
};

/** Auth is optional (only with API_KEY set): `{}` means "no requirement". */
export const bearerSecurity: Array<Record<string, string[]>> = [{}, { bearer: [] }];
