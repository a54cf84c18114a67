/** Loading the int8 engine in Node (CLI, tests, benchmarks). The Worker imports the .wasm as a module instead. */
import { readFileSync } from 'node:fs';
import type { ModelFile } from '../worker/model/format.ts';
import { Int8Engine } from '../worker/model/engine.ts';

export type Build = 'scalar' | 'simd128' | 'relaxed';

const modules = new Map<Build, WebAssembly.Module>();

export function engineModule(build: Build): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    const url = new URL(`../build/engine.${build}.wasm`, import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(url);
    } catch {
      throw new Error(`engine build ${build} is missing: run \`npm run build\` first`);
    }
    modules.set(build, (m = new WebAssembly.Module(new Uint8Array(bytes))));
  }
  return m;
}

/** Node 20's relaxed SIMD gives wrong results, so Node runs the SIMD128 build unless told otherwise. */
export function createEngine(model: ModelFile, build: Build = 'simd128', debug = false): Promise<Int8Engine> {
  return Int8Engine.create(model, engineModule(build), { debug });
}
