/**
 * The part of the ONNX Runtime JS API (shared by onnxruntime-node and onnxruntime-web) the
 * anchors use. The packages live in tools/bench/node_modules, installed on first use by
 * tools/lib/install-local.mjs, so the project's typecheck cannot see their own types.
 */
export interface OrtTensor {
  readonly data: unknown;
  dispose?(): void;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface Ort {
  InferenceSession: { create(model: string | Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  env: { wasm: { numThreads: number; proxy: boolean; simd: boolean; wasmPaths: string } };
}

/** Imports one of the ONNX Runtime packages by name (a variable, so the typecheck does not resolve it). */
export async function importOrt(name: 'onnxruntime-node' | 'onnxruntime-web'): Promise<Ort> {
  const specifier: string = name;
  return (await import(specifier)) as Ort;
}

export const INSTALL_HINT = 'node tools/lib/install-local.mjs tools/bench (npm run bench runs it)';
