/**
 * The bundled models, loaded lazily once per isolate.
 *
 * index.ts hands in the model files (wrangler Data modules) and the compiled engine modules.
 * On first use a model file is verified (SHA-256) and parsed, and on first inference the engine
 * is instantiated and prepared. Every load is one shared promise, so requests that arrive while
 * it is still running wait for the same load; a failed load is dropped from the cache, so the
 * next request tries again instead of failing forever.
 *
 * The engine is synchronous and single-threaded; `run` writes the input, runs every kernel and
 * copies the outputs out in one call, with no await in between, so concurrent requests in one
 * isolate cannot interleave inside an inference.
 */
import { Int8Engine, type EngineOutput } from './engine.ts';
import { inputQuantTable, quantizeHWC } from '../image/quantize.ts';
import { readModelFile, type ModelFile, type ModelHeader, type Preprocessing } from './format.ts';

export type EngineBuild = 'simd128' | 'relaxed';
export type EngineSetting = 'simd128' | 'relaxed' | 'auto';

export interface EngineModules {
  simd128: WebAssembly.Module;
  relaxed?: WebAssembly.Module;
}

export interface BundledModel {
  /** What clients pass as `model` and what the MODEL var names. */
  name: string;
  /** The .gnv2 file, imported as a wrangler Data module. */
  data: ArrayBuffer | Uint8Array;
}

/** What the routes need from a model: identity, metadata and a synchronous forward pass. */
export interface Classifier {
  readonly name: string;
  readonly sha256: string;
  readonly header: ModelHeader;
  readonly build: EngineBuild;
  /** Bytes of WASM linear memory the engine holds. */
  readonly memoryBytes: number;
  /** The resized and cropped image as HWC bytes: quantized through one table, then run. */
  runPixels(hwc: Uint8Array): EngineOutput;
}

/** Turns a verified model file into something that runs (the real one instantiates Int8Engine). */
export type ClassifierFactory = (name: string, file: ModelFile, wasm: WebAssembly.Module, build: EngineBuild) => Promise<Classifier>;

export class UnknownModelError extends Error {
  constructor(requested: string, available: string[]) {
    super(`Unknown model ${JSON.stringify(requested)}. Available: ${available.map((n) => JSON.stringify(n)).join(', ')} (see GET /v1/models).`);
    this.name = 'UnknownModelError';
  }
}

/** The deployment's vars are wrong (MODEL names no bundled model, ENGINE has an unknown value): 500. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A bundled model or engine failed to load: a server-side problem (503), retried on the next request. */
export class ModelLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

// --- relaxed-SIMD feature detection -------------------------------------------------------

/** `() -> v128 { i16x8.relaxed_dot_i8x16_i7x16_s(v128.const 1…, v128.const 2…) }`; validate() does not compile. */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const v128 = (n: number) => [0xfd, 0x0c, ...new Array<number>(16).fill(n)];
  const body = [0x00, ...v128(1), ...v128(2), 0xfd, 0x92, 0x02, 0x0b];
  const code = [0x01, body.length, ...body];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, code.length, ...code]);
}

let relaxedSupport: boolean | undefined;
export function runtimeHasRelaxedSimd(): boolean {
  if (relaxedSupport === undefined) {
    try {
      relaxedSupport = WebAssembly.validate(relaxedProbe() as Uint8Array<ArrayBuffer>);
    } catch {
      relaxedSupport = false;
    }
  }
  return relaxedSupport;
}

/** relaxed_dot_lowering() of the relaxed build when the runtime lowers the relaxed dot to one AVX-VNNI vpdpbusd (assembly/lowering.ts). */
const RELAXED_DOT_VNNI = -130560;

let relaxedDotNative: boolean | undefined;
/**
 * Whether the relaxed dot product is one native instruction here (x86 AVX-VNNI), told from its result
 * on operands outside the deterministic range by the relaxed build itself (a throwaway instance).
 * Without VNNI, V8 emulates it in five instructions and the SIMD128 build is the faster one
 * (measured 1.6-1.9× in workerd and Node 22 on AMD Zen 4, whose VNNI is AVX-512-only).
 */
export function relaxedDotIsNative(relaxed: WebAssembly.Module | undefined): boolean {
  if (relaxedDotNative === undefined) {
    try {
      const ex = new WebAssembly.Instance(relaxed!, { env: { abort: () => { throw new Error('abort'); } } }).exports as { relaxed_dot_lowering?: () => number };
      relaxedDotNative = ex.relaxed_dot_lowering?.() === RELAXED_DOT_VNNI;
    } catch {
      relaxedDotNative = false;
    }
  }
  return relaxedDotNative;
}

export function parseEngineSetting(raw: string | undefined): EngineSetting {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'simd128') return 'simd128';
  if (v === 'relaxed' || v === 'auto') return v;
  throw new Error(`The ENGINE variable must be "simd128", "relaxed" or "auto", got ${JSON.stringify(raw)}.`);
}

/**
 * SIMD128 unless ENGINE asks for relaxed SIMD and the runtime validates a relaxed-SIMD module and the
 * relaxed build is bundled: `relaxed` then always, `auto` only where the relaxed dot is one native
 * instruction (relaxedDotIsNative: x86 AVX-VNNI), the one case where the relaxed build is the faster.
 * Both builds give bit-identical results.
 */
export function chooseBuild(
  setting: EngineSetting,
  engines: EngineModules,
  hasRelaxed: () => boolean = runtimeHasRelaxedSimd,
  nativeDot: () => boolean = () => relaxedDotIsNative(engines.relaxed),
): EngineBuild {
  if (setting === 'simd128' || !engines.relaxed || !hasRelaxed()) return 'simd128';
  return setting === 'relaxed' || nativeDot() ? 'relaxed' : 'simd128';
}

// --- the registry ----------------------------------------------------------------------------

/**
 * The engine run on a model input (image/input.ts `pixels`, HWC bytes): bytes → normalized →
 * int8 is one table per channel, computed once. The Worker and the CLI both run images this way.
 */
export function pixelRunner(engine: Int8Engine, p: Preprocessing): (hwc: Uint8Array) => EngineOutput {
  const q = engine.inputQuantization;
  const table = inputQuantTable(p.mean, p.std, q.scale, q.zero_point);
  return (hwc) => engine.runInt8(quantizeHWC(hwc, table));
}

export const int8Classifier: ClassifierFactory = async (name, file, wasm, build) => {
  const engine = await Int8Engine.create(file, wasm);
  const runPixels = pixelRunner(engine, file.header.preprocessing);
  return {
    name,
    sha256: file.sha256,
    header: file.header,
    build,
    get memoryBytes() {
      return engine.memoryBytes;
    },
    runPixels,
  };
};

/** A promise cached under `key` until it rejects. */
function shared<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    cache.set(key, p);
    p.catch(() => {
      if (cache.get(key) === p) cache.delete(key);
    });
  }
  return p;
}

export interface RegistryOptions {
  factory?: ClassifierFactory;
  /** Override the relaxed-SIMD feature test (tests). */
  hasRelaxedSimd?: () => boolean;
  /** Override the native-relaxed-dot test that ENGINE=auto uses (tests). */
  relaxedDotNative?: () => boolean;
}

export class ModelRegistry {
  readonly #models: Map<string, BundledModel>;
  readonly #files = new Map<string, Promise<ModelFile>>();
  readonly #classifiers = new Map<string, Promise<Classifier>>();
  readonly #ready = new Map<string, Classifier>();
  readonly #factory: ClassifierFactory;
  readonly #hasRelaxed: () => boolean;
  readonly #nativeDot: (() => boolean) | undefined;

  constructor(
    models: BundledModel[],
    readonly engines: EngineModules,
    options: RegistryOptions = {},
  ) {
    if (models.length === 0) throw new Error('ModelRegistry: no models bundled');
    this.#models = new Map(models.map((m) => [m.name, m]));
    this.#factory = options.factory ?? int8Classifier;
    this.#hasRelaxed = options.hasRelaxedSimd ?? runtimeHasRelaxedSimd;
    this.#nativeDot = options.relaxedDotNative;
  }

  get names(): string[] {
    return [...this.#models.keys()];
  }

  /** The MODEL var if set (it must name a bundled model), else the first bundled model. */
  defaultName(configured: string | undefined): string {
    if (!configured) return this.names[0];
    if (!this.#models.has(configured)) {
      throw new ConfigError(`The MODEL variable names ${JSON.stringify(configured)}, which is not bundled (bundled: ${this.names.join(', ')}).`);
    }
    return configured;
  }

  /** The model a request asked for (or the default); unknown names throw UnknownModelError. */
  resolve(requested: string | undefined, configuredDefault: string | undefined): string {
    if (requested === undefined || requested === '') return this.defaultName(configuredDefault);
    if (!this.#models.has(requested)) throw new UnknownModelError(requested, this.names);
    return requested;
  }

  build(engineVar: string | undefined): EngineBuild {
    let setting: EngineSetting;
    try {
      setting = parseEngineSetting(engineVar);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    return chooseBuild(setting, this.engines, this.#hasRelaxed, this.#nativeDot);
  }

  /** The verified, parsed model file (SHA-256 checked once per isolate). */
  file(name: string): Promise<ModelFile> {
    const bundled = this.#models.get(name);
    if (!bundled) return Promise.reject(new UnknownModelError(name, this.names));
    return shared(this.#files, name, async () => {
      try {
        return await readModelFile(bundled.data);
      } catch (e) {
        throw new ModelLoadError(`The bundled model ${JSON.stringify(name)} could not be loaded: ${(e as Error).message}`, { cause: e });
      }
    });
  }

  /** The ready-to-run model, instantiated once per isolate and engine build. */
  classifier(name: string, build: EngineBuild): Promise<Classifier> {
    const key = `${name}\0${build}`;
    const ready = this.#ready.get(key);
    if (ready) return Promise.resolve(ready);
    return shared(this.#classifiers, key, async () => {
      const file = await this.file(name);
      const wasm = this.engines[build];
      if (!wasm) throw new ModelLoadError(`The ${build} engine build is not bundled.`);
      let c: Classifier;
      try {
        c = await this.#factory(name, file, wasm, build);
      } catch (e) {
        throw new ModelLoadError(`The engine could not be prepared for model ${JSON.stringify(name)}: ${(e as Error).message}`, { cause: e });
      }
      this.#ready.set(key, c);
      return c;
    });
  }

  /** Models instantiated in this isolate so far (for /healthz and the memory test). */
  loaded(): Array<{ name: string; build: EngineBuild; memoryBytes: number }> {
    return [...this.#ready.values()].map((c) => ({ name: c.name, build: c.build, memoryBytes: c.memoryBytes }));
  }
}
