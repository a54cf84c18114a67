/** Node-side loading of an engine build for tests and tools. */
import { readFileSync } from 'node:fs';
import type { EngineExports } from './harness.ts';

export type Build = 'scalar' | 'simd128' | 'relaxed';

export async function loadBuild(build: Build): Promise<EngineExports> {
  const bytes = readFileSync(new URL(`../../build/engine.${build}.wasm`, import.meta.url));
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { abort: () => { throw new Error('engine abort'); } } });
  return instance.exports as unknown as EngineExports;
}

/** The image module's builds (build/resample.{scalar,simd128}.wasm): the Pillow resampler kernels. */
export function resampleModule(build: 'scalar' | 'simd128'): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(new URL(`../../build/resample.${build}.wasm`, import.meta.url)));
}

export function resampleExports(module: WebAssembly.Module): EngineExports {
  return new WebAssembly.Instance(module, {}).exports as unknown as EngineExports;
}
