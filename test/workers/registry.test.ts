/** model/registry.ts: lazy shared loading, no cached failures, engine build selection. */
import { describe, expect, it } from 'vitest';
import simd128 from '../../build/engine.simd128.wasm';
import relaxed from '../../build/engine.relaxed.wasm';
import { registry as bundled } from '../../worker/index.ts';
import { chooseBuild, ModelRegistry, parseEngineSetting, relaxedDotIsNative, runtimeHasRelaxedSimd, type Classifier, type ClassifierFactory } from '../../worker/model/registry.ts';
import { parseModelFile, writeModelFile } from '../../worker/model/format.ts';
import { MODELS } from '../../worker/models.ts';
import { BASE, errorOf, fetchWithEnv } from './support.ts';

/** A valid (weightless) model file: enough for the registry, which never runs it here. */
const tinyModel = () =>
  writeModelFile(
    {
      name: 'tiny',
      architecture: { family: 'ghostnetv2', width: 0.1, num_classes: 2, feature_dim: 1280 },
      labels: ['a', 'b'],
      preprocessing: { input_size: 32, crop_pct: 1, interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1], grayscale: false },
      precision: 'int8',
      quantization: null,
      provenance: { source: 'test', source_sha256: '', converter: 'test', created: '' },
    },
    [],
  );

function fake(calls: { n: number }, fail = 0): ClassifierFactory {
  return async (name, file, _wasm, build) => {
    calls.n++;
    await new Promise((r) => setTimeout(r, 20));
    if (calls.n <= fail) throw new Error(`boom ${calls.n}`);
    return {
      name,
      sha256: file.sha256,
      header: file.header,
      build,
      memoryBytes: 1,
      runs: 0,
      runPixels: () => ({ logits: new Float32Array(1), features: new Float32Array(1) }),
      runInt8: () => ({ logits: new Float32Array(1), features: new Float32Array(1) }),
    } satisfies Classifier;
  };
}

describe('engine build selection', () => {
  it('SIMD128 unless ENGINE says relaxed (runtime validates relaxed SIMD) or auto (and the relaxed dot is native)', () => {
    const both = { simd128, relaxed };
    const yes = () => true,
      no = () => false;
    expect(chooseBuild('simd128', both, yes, yes)).toBe('simd128');
    expect(chooseBuild('relaxed', both, yes, no)).toBe('relaxed');
    expect(chooseBuild('auto', both, yes, yes)).toBe('relaxed');
    expect(chooseBuild('auto', both, yes, no)).toBe('simd128');
    expect(chooseBuild('relaxed', both, no, yes)).toBe('simd128');
    expect(chooseBuild('auto', both, no, yes)).toBe('simd128');
    expect(chooseBuild('auto', { simd128 }, yes, yes)).toBe('simd128');
  });

  // The bundled default is packed for SIMD128 only (no plain weights); the relaxed build unpacks it.
  it.each([
    [false, 'simd128'],
    [true, 'relaxed'],
  ] as const)('ENGINE=auto with the AVX-VNNI detection forced %s prepares the bundled default (packed for SIMD128 only) on %s', (vnni, want) => {
    const r = new ModelRegistry([...MODELS], { simd128, relaxed }, { relaxedDotNative: () => vnni });
    const def = MODELS.find((m) => m.default)!;
    expect(parseModelFile(def.data).header.packing).toMatchObject({ builds: ['simd128'], plain: false });
    const c = r.preloadDefault(undefined, 'auto');
    expect(c?.build).toBe(want);
    expect(r.loaded()).toEqual([{ name: def.name, build: want, memoryBytes: expect.any(Number) }]);
  });

  it("tells from the relaxed build's own result whether the relaxed dot is one native instruction", () => {
    const lowering = (new WebAssembly.Instance(relaxed, { env: { abort() {} } }).exports as { relaxed_dot_lowering(): number }).relaxed_dot_lowering();
    // -65536: x86 emulation (pmaddubsw saturates); -130560: AVX-VNNI vpdpbusd; 512: signed × signed (Arm SDOT)
    expect([-65536, -130560, 512]).toContain(lowering);
    console.log(`relaxed_dot_lowering() in workerd here: ${lowering} → ENGINE=auto runs ${lowering === -130560 ? 'relaxed' : 'simd128'}`);
    expect(relaxedDotIsNative(relaxed)).toBe(lowering === -130560);
    expect((new WebAssembly.Instance(simd128, { env: { abort() {} } }).exports as { relaxed_dot_lowering(): number }).relaxed_dot_lowering()).toBe(0);
  });

  it('parses ENGINE', () => {
    expect(parseEngineSetting(undefined)).toBe('simd128');
    expect(parseEngineSetting('')).toBe('simd128');
    expect(parseEngineSetting(' Relaxed ')).toBe('relaxed');
    expect(parseEngineSetting('auto')).toBe('auto');
    expect(() => parseEngineSetting('avx512')).toThrow(/ENGINE/);
  });

  it('feature-detects relaxed SIMD with validate (workerd has it)', () => {
    expect(runtimeHasRelaxedSimd()).toBe(true);
  });

  it('ENGINE=auto (the default) runs the faster build here, relaxed runs relaxed, simd128 SIMD128; a bad ENGINE is a clear 500', async () => {
    const auto = await fetchWithEnv(new Request(`${BASE}/v1/models`), { ENGINE: 'auto' });
    // auto runs relaxed where the relaxed dot is one native instruction (AVX-VNNI), whatever the file's packing
    const faster = relaxedDotIsNative(relaxed) ? 'relaxed' : 'simd128';
    expect(((await auto.json()) as { models: Array<{ engine: string }> }).models.map((m) => m.engine)).toEqual(bundled.names.map(() => faster));
    const rlx = await fetchWithEnv(new Request(`${BASE}/v1/models`), { ENGINE: 'relaxed' });
    expect(((await rlx.json()) as { models: Array<{ engine: string }> }).models[0].engine).toBe('relaxed');
    const simd = await fetchWithEnv(new Request(`${BASE}/v1/models`), { ENGINE: 'simd128' });
    expect(((await simd.json()) as { models: Array<{ engine: string }> }).models[0].engine).toBe('simd128');
    // wrangler.toml's default is auto
    const def = await fetchWithEnv(new Request(`${BASE}/v1/models`), {});
    expect(((await def.json()) as { models: Array<{ engine: string }> }).models[0].engine).toBe(faster);
    const bad = await fetchWithEnv(new Request(`${BASE}/v1/models`), { ENGINE: 'avx512' });
    expect(bad.status).toBe(500);
    expect((await errorOf(bad)).code).toBe('misconfigured');
  });

  it('a MODEL var naming no bundled model is a clear 500', async () => {
    const res = await fetchWithEnv(new Request(`${BASE}/v1/models`), { MODEL: 'gone' });
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toContain('MODEL');
  });
});

describe('lazy shared loading', () => {
  it('concurrent first uses share one load', async () => {
    const calls = { n: 0 };
    const r = new ModelRegistry([{ name: 'm', data: await tinyModel() }], { simd128 }, { factory: fake(calls) });
    const got = await Promise.all(Array.from({ length: 10 }, () => r.classifier('m', 'simd128')));
    expect(calls.n).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect(r.loaded()).toHaveLength(1);
  });

  it('a failed load is not cached: the next request retries', async () => {
    const calls = { n: 0 };
    const r = new ModelRegistry([{ name: 'm', data: await tinyModel() }], { simd128 }, { factory: fake(calls, 1) });
    const first = await Promise.allSettled([r.classifier('m', 'simd128'), r.classifier('m', 'simd128')]);
    expect(first.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    expect(String((first[0] as PromiseRejectedResult).reason)).toMatch(/engine could not be prepared.*boom 1/);
    expect(calls.n).toBe(1);
    await expect(r.classifier('m', 'simd128')).resolves.toBeDefined();
    expect(calls.n).toBe(2);
  });

  it('a corrupt model file is a ModelLoadError, retried each time', async () => {
    const r = new ModelRegistry([{ name: 'bad', data: new Uint8Array(100) }], { simd128 });
    await expect(r.file('bad')).rejects.toThrow(/could not be loaded: not a ghostnet-edge model/);
    await expect(r.file('bad')).rejects.toThrow(/could not be loaded/);
  });

  it('the model list comes from index.ts; unknown names are refused', () => {
    expect(bundled.names).toContain('fashion-mnist');
    expect(() => bundled.resolve('nope', undefined)).toThrow(/Unknown model "nope"/);
    expect(bundled.resolve(undefined, undefined)).toBe(bundled.names[0]);
  });
});
