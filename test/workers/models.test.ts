/** GET /v1/models */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE } from './support.ts';

interface ModelInfo {
  name: string;
  sha256: string;
  default: boolean;
  architecture: { family: string; width: number; num_classes: number; feature_dim: number };
  num_classes: number;
  labels_count: number;
  labels: string[];
  preprocessing: { input_size: number; crop_pct: number; interpolation: string; mean: number[]; std: number[]; grayscale: boolean };
  precision: string;
  quantization: { scheme: string | null; calibration_method: string | null } | null;
  engine: string;
}

describe('GET /v1/models', () => {
  it('lists the bundled models with their metadata', async () => {
    const res = await SELF.fetch(`${BASE}/v1/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { default: string; models: ModelInfo[] };
    expect(body.models.length).toBeGreaterThan(0);
    expect(body.models.filter((m) => m.default).map((m) => m.name)).toEqual([body.default]);
    for (const m of body.models) {
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.architecture.family).toBe('ghostnetv2');
      expect(m.architecture.feature_dim).toBe(1280);
      expect(m.num_classes).toBe(m.architecture.num_classes);
      expect(m.labels_count).toBe(m.num_classes);
      expect(m.labels).toHaveLength(m.num_classes);
      expect(m.preprocessing.input_size).toBeGreaterThanOrEqual(16);
      expect(['bilinear', 'bicubic']).toContain(m.preprocessing.interpolation);
      expect(m.precision).toBe('int8');
      expect(m.quantization?.scheme).toBe('ghostnet-edge-int8-v1');
      expect(typeof m.quantization?.calibration_method).toBe('string');
      expect(['simd128', 'relaxed']).toContain(m.engine);
    }
  });

  it('the default follows the MODEL var', async () => {
    const body = (await (await SELF.fetch(`${BASE}/v1/models`)).json()) as { default: string };
    expect(body.default).toBe('fashion-mnist');
  });
});
