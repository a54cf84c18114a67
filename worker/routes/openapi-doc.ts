/**
 * The OpenAPI document of GET /openapi.json: every route's zod description and the document
 * generated from them. Not part of the Worker: `npm run build` (tools/build/openapi.ts) writes the
 * document to build/openapi.ts, which routes/openapi.ts serves, so that the Worker bundles no zod.
 * Evaluating zod and building these schemas at module scope was ~30 ms of an isolate's start-up
 * CPU, and zod still bundled behind a lazy import() ~25 ms (docs/benchmarks/request.md, "Start-up
 * by part"). The routes themselves are plain Hono (routes/*.ts) and check their query parameters
 * with routes/query.ts, which test/node/query.test.ts holds to the query schemas in schemas.ts;
 * test/node/startup-imports.test.ts keeps zod out of the Worker's bundle.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { FAMILIES } from '../model/architecture.ts';
import type { ModelInfo } from './models.ts';
import {
  bearerSecurity,
  bodyErrorResponses,
  CacheStatusSchema,
  ClassifyUrlQuerySchema,
  DomainSchema,
  EmbedQuerySchema,
  errorResponses,
  ImageQuerySchema,
  imageRequestBody,
  JsonImageBodySchema,
  ModelRefSchema,
  MultipartImageBodySchema,
  PredictionSchema,
  TimingSchema,
  urlErrorResponses,
} from './schemas.ts';

const demoRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Demo page',
  responses: { 200: { description: 'HTML page: pick, drop or click a sample image, see the top 5', content: { 'text/html': { schema: z.string() } } } },
});

const SamplesSchema = z
  .object({
    samples: z.record(z.string(), z.array(z.object({ label: z.string(), image: z.string().openapi({ description: 'the image file, base64' }) }))).openapi({
      description: 'per model name: images to try it on (its test set, never trained on), with their true label',
    }),
  })
  .openapi('DemoSamples');

const samplesRoute = createRoute({
  method: 'get',
  path: '/demo/samples.json',
  summary: 'Sample images of the bundled models (for the demo page)',
  responses: { 200: { description: 'Samples', content: { 'application/json': { schema: SamplesSchema } } } },
});

const HealthSchema = z
  .object({
    status: z.literal('ok'),
    models: z.array(z.string()).openapi({ description: 'bundled model names' }),
    loaded: z
      .array(z.object({ name: z.string(), build: z.enum(['simd128', 'relaxed']), memoryBytes: z.number().int() }))
      .openapi({ description: 'models instantiated in this isolate, with their WASM memory size' }),
    relaxed_simd: z.boolean().openapi({ description: 'the runtime validates relaxed-SIMD modules' }),
  })
  .openapi('Health');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: { 200: { description: 'The Worker is up', content: { 'application/json': { schema: HealthSchema } } } },
});

const ModelInfoSchema = z
  .object({
    name: z.string().openapi({ description: 'what `model` takes', example: 'fashion-mnist' }),
    full_name: z.string().openapi({ description: 'name recorded in the model file', example: 'fashion-mnist-ghostnetv2-1.0' }),
    description: z.string().nullable().openapi({ description: 'one line from models/manifest.json' }),
    domain: z
      .object({ text: z.string(), background: z.enum(['dark', 'light']).optional() })
      .nullable()
      .openapi({ description: 'what kind of images the model was trained on (models/manifest.json); classify answers an out-of-domain note against it' }),
    sha256: z.string(),
    default: z.boolean(),
    architecture: z.object({
      family: z.enum(FAMILIES).openapi({ description: 'GhostNet version (ghostnetv3 is re-parameterized at convert time: V2’s network)', example: 'ghostnetv2' }),
      width: z.number(),
      num_classes: z.number().int(),
      feature_dim: z.number().int(),
    }),
    num_classes: z.number().int(),
    labels_count: z.number().int(),
    labels: z.array(z.string()),
    preprocessing: z.object({
      input_size: z.number().int(),
      crop_pct: z.number(),
      interpolation: z.enum(['bilinear', 'bicubic']),
      mean: z.array(z.number()),
      std: z.array(z.number()),
      grayscale: z.boolean(),
    }),
    precision: z.enum(['float32', 'int8']),
    quantization: z.object({ scheme: z.string().nullable(), calibration_method: z.string().nullable() }).nullable().openapi({ description: 'null for float32 models' }),
    engine: z.enum(['simd128', 'relaxed']).openapi({ description: 'engine build this deployment runs for this model (ENGINE var, runtime support, and the builds the file is packed for)' }),
  })
  .openapi('ModelInfo');

const ModelsResponseSchema = z.object({ default: z.string(), models: z.array(ModelInfoSchema) }).openapi('ModelsResponse');

const modelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  summary: 'List the bundled models',
  security: bearerSecurity,
  responses: {
    200: { description: 'Bundled models', content: { 'application/json': { schema: ModelsResponseSchema } } },
    401: errorResponses[401],
    503: errorResponses[503],
  },
});

const ClassifyResponseSchema = z
  .object({ model: ModelRefSchema, predictions: z.array(PredictionSchema), domain: DomainSchema.optional(), timing: TimingSchema, cache: CacheStatusSchema })
  .openapi('ClassifyResponse');

const ClassifyBatchResponseSchema = z
  .object({
    model: ModelRefSchema,
    results: z
      .array(
        z.object({
          filename: z.string().optional().openapi({ description: 'the part’s filename, when it had one' }),
          predictions: z.array(PredictionSchema),
          domain: DomainSchema.optional(),
          timing: TimingSchema,
          cache: CacheStatusSchema,
        }),
      )
      .openapi({ description: 'one entry per `image` part, in request order' }),
  })
  .openapi('ClassifyBatchResponse');

const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/classify',
  summary: 'Classify an image',
  description:
    'Answers the top_k classes with softmax scores, highest first. Raw and JSON bodies answer `ClassifyResponse`; ' +
    'multipart bodies always answer `ClassifyBatchResponse` (one result per `image` part, even for one part). ' +
    'A multipart request fails as a whole on the first bad part; the error message names the part. ' +
    'A JSON body may give `url` instead of `image`: then it answers as GET /v1/classify?url= (and can fail as it does). ' +
    'The same timings are sent in a Server-Timing header (summed over parts). Results are cached by image content and model (`cache`, X-Cache).',
  security: bearerSecurity,
  request: { query: ImageQuerySchema, body: imageRequestBody },
  responses: {
    200: {
      description: 'Predictions',
      headers: {
        'Server-Timing': { schema: { type: 'string' }, description: 'decode, preprocess, inference, cache (ms)' },
        'X-Cache': { schema: { type: 'string' }, description: 'the result cache status of each image, comma-separated' },
      },
      content: { 'application/json': { schema: z.union([ClassifyResponseSchema, ClassifyBatchResponseSchema]) } },
    },
    ...errorResponses,
    ...bodyErrorResponses,
    ...urlErrorResponses,
  },
});

const classifyUrlRoute = createRoute({
  method: 'get',
  path: '/v1/classify',
  summary: 'Classify the image at a URL',
  description:
    'Fetches the image (through Cloudflare’s cache where it runs on Cloudflare) from an origin in the IMAGE_ORIGINS allow-list and answers as POST /v1/classify. ' +
    'Results are cached by the image’s content and model (see `cache`); `Cache-Control` follows the origin’s. Off (403 url_fetch_disabled) when IMAGE_ORIGINS is empty.',
  security: bearerSecurity,
  request: { query: ClassifyUrlQuerySchema },
  responses: {
    200: {
      description: 'Predictions',
      headers: {
        'Server-Timing': { schema: { type: 'string' }, description: 'fetch, cache (with the status), decode, preprocess, inference (ms)' },
        'X-Cache': { schema: { type: 'string', enum: ['hit', 'miss', 'bypass', 'off'] }, description: 'the result cache status' },
        'Cache-Control': { schema: { type: 'string' }, description: 'derived from the origin’s Cache-Control / Expires / Age (no-cache when it gave none)' },
      },
      content: { 'application/json': { schema: ClassifyResponseSchema } },
    },
    ...errorResponses,
    ...urlErrorResponses,
  },
});

const Embedding = z.array(z.number()).openapi({ description: 'the dequantized conv_head output (after ReLU)' });
const Dim = z.number().int().openapi({ example: 1280 });

const EmbedResponseSchema = z.object({ model: ModelRefSchema, embedding: Embedding, dim: Dim, timing: TimingSchema }).openapi('EmbedResponse');
const EmbedBatchResponseSchema = z
  .object({
    model: ModelRefSchema,
    dim: Dim,
    results: z.array(z.object({ filename: z.string().optional(), embedding: Embedding, timing: TimingSchema })),
  })
  .openapi('EmbedBatchResponse');

const embedRoute = createRoute({
  method: 'post',
  path: '/v1/embed',
  summary: 'Image embedding',
  description: 'The model’s pooled feature vector (`dim` = 1280 for GhostNetV2). Same body forms as /v1/classify; multipart answers one result per part.',
  security: bearerSecurity,
  request: { query: EmbedQuerySchema, body: imageRequestBody },
  responses: {
    200: {
      description: 'Embedding',
      headers: { 'Server-Timing': { schema: { type: 'string' } } },
      content: { 'application/json': { schema: z.union([EmbedResponseSchema, EmbedBatchResponseSchema]) } },
    },
    ...errorResponses,
    ...bodyErrorResponses,
  },
});

/** /v1/models answers what ModelInfoSchema documents (a type error here if the two drift apart). */
export const modelInfoIsDocumented = (m: ModelInfo): z.infer<typeof ModelInfoSchema> => m;

/** The server URL build/openapi.ts is written with; the Worker puts its own origin there. */
export const OPENAPI_ORIGIN = 'https://ghostnet-edge.invalid';

/**
 * The document, for a Worker served at `origin`. The definitions go into the registry in the
 * order the app merged them when it registered the routes with @hono/zod-openapi (demo, health,
 * models, classify, classify by URL, embed, then the security scheme), so the document is the
 * one it served then, byte for byte.
 */
export function openApiDocument(origin: string) {
  const doc = new OpenAPIHono();
  const r = doc.openAPIRegistry;
  r.registerPath(demoRoute);
  r.registerPath(samplesRoute);
  r.registerPath(healthRoute);
  r.registerPath(modelsRoute);
  r.register('JsonImageBody', JsonImageBodySchema);
  r.register('MultipartImageBody', MultipartImageBodySchema);
  r.registerPath(classifyRoute);
  r.registerPath(classifyUrlRoute);
  r.registerPath(embedRoute);
  r.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'Only when the API_KEY secret is configured: `Authorization: Bearer <API_KEY>`.',
  });
  return doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'ghostnet-edge',
      version: '1.0.0',
      description: 'GhostNetV2 image classification as int8 WebAssembly in a Cloudflare Worker. Every error answers {"error": {"code", "message"}}.',
    },
    servers: [{ url: origin }],
  });
}
