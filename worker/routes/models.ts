/** GET /v1/models: the bundled models and their metadata (parses each model file once per isolate). */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import type { ModelFile, ModelHeader } from '../model/format.ts';
import type { BundledModel, ModelDomain, ModelRegistry } from '../model/registry.ts';

/** One model of the answer (ModelInfoSchema in routes/openapi-doc.ts documents it; `modelInfoIsDocumented` there checks the two agree). */
export interface ModelInfo {
  name: string;
  full_name: string;
  description: string | null;
  domain: ModelDomain | null;
  sha256: string;
  default: boolean;
  architecture: ModelHeader['architecture'];
  num_classes: number;
  labels_count: number;
  labels: string[];
  preprocessing: ModelHeader['preprocessing'];
  precision: ModelHeader['precision'];
  quantization: { scheme: string | null; calibration_method: string | null } | null;
  engine: 'simd128' | 'relaxed';
}

export function describeModel(name: string, file: ModelFile, isDefault: boolean, engine: 'simd128' | 'relaxed', bundled?: BundledModel): ModelInfo {
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
  const app = new Hono<AppEnv>();
  app.get('/v1/models', async (c) => {
    const def = registry.defaultName(c.env.MODEL);
    const files = await Promise.all(registry.names.map((n) => registry.file(n)));
    const engine = registry.build(c.env.ENGINE);
    return c.json({ default: def, models: registry.names.map((n, i) => describeModel(n, files[i], n === def, engine, registry.bundled(n))) }, 200);
  });
  return app;
}
