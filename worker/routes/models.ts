/** GET /v1/models: the bundled models and their metadata (parses each model file once per isolate). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { FAMILIES } from '../model/architecture.ts';
import type { ModelFile } from '../model/format.ts';
import type { BundledModel, ModelRegistry } from '../model/registry.ts';
import { bearerSecurity, errorResponses } from './schemas.ts';

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

export const modelsRoute = createRoute({
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

export function describeModel(name: string, file: ModelFile, isDefault: boolean, engine: 'simd128' | 'relaxed', bundled?: BundledModel): z.infer<typeof ModelInfoSchema> {
  const h = file.header;
  const q = h.quantization as { scheme?: unknown; calibration?: { method?: unknown } } | null;
  return {
    name,
    full_name: h.name,
    description: bundled?.description ?? null,
    domain: bundled?.domain ?? null,
    sha256: file.sha256,
    default: isDefault,
    architecture: h.architecture,
    num_classes: h.architecture.num_classes,
    labels_count: h.labels.length,
    labels: h.labels,
    preprocessing: h.preprocessing,
    precision: h.precision,
    quantization: q
      ? {
          scheme: typeof q.scheme === 'string' ? q.scheme : null,
          calibration_method: typeof q.calibration?.method === 'string' ? q.calibration.method : null,
        }
      : null,
    engine,
  };
}

export function models(registry: ModelRegistry) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(modelsRoute, async (c) => {
    const def = registry.defaultName(c.env.MODEL);
    const files = await Promise.all(registry.names.map((n) => registry.file(n)));
    const engine = registry.build(c.env.ENGINE);
    return c.json({ default: def, models: registry.names.map((n, i) => describeModel(n, files[i], n === def, engine, registry.bundled(n))) }, 200);
  });
  return app;
}
