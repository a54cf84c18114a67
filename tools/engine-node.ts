/** Loading the WASM builds in Node (CLI, tests, benchmarks). The Worker imports the .wasm files as modules instead. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModelFile } from '../worker/model/format.ts';
import { Int8Engine } from '../worker/model/engine.ts';
import type { BuildExports } from './lib/harness.ts';

export type Build = 'scalar' | 'simd128' | 'relaxed';

/**
 * Where the .wasm builds are read from: build/, unless GHOSTNET_BUILD_DIR names another directory
 * (`npm run test:mutants` points the kernel tests at a deliberately broken build there).
 */
const BUILD_DIR = process.env.GHOSTNET_BUILD_DIR ? pathToFileURL(`${resolve(process.env.GHOSTNET_BUILD_DIR)}/`) : new URL('../build/', import.meta.url);

const modules = new Map<string, WebAssembly.Module>();

function compile(url: URL, missing: string): WebAssembly.Module {
  let m = modules.get(url.href);
  if (!m) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(url);
    } catch {
      throw new Error(`${missing} is missing: run \`npm run build\` first`);
    }
    modules.set(url.href, (m = new WebAssembly.Module(new Uint8Array(bytes))));
  }
  return m;
}

export function engineModule(build: Build): WebAssembly.Module {
  return compile(new URL(`engine.${build}.wasm`, BUILD_DIR), `engine build ${build}`);
}

/** The image module's builds (build/resample.{scalar,simd128}.wasm): the Pillow resampler kernels. */
export function resampleModule(build: 'scalar' | 'simd128'): WebAssembly.Module {
  return compile(new URL(`resample.${build}.wasm`, BUILD_DIR), `resampler build ${build}`);
}

/** A fresh instance of an engine build, or of any engine binary given by path (e.g. an older commit's). */
export function engineExports(build: Build | string): BuildExports {
  const module = build.endsWith('.wasm') ? new WebAssembly.Module(new Uint8Array(readFileSync(build))) : engineModule(build as Build);
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort: () => {
        throw new Error('engine abort');
      },
    },
  });
  return instance.exports as unknown as BuildExports;
}

/** Node 20's relaxed SIMD gives wrong results, so Node runs the SIMD128 build unless told otherwise. */
export function createEngine(model: ModelFile, build: Build = 'simd128', debug = false): Promise<Int8Engine> {
  return Int8Engine.create(model, engineModule(build), { debug });
}
