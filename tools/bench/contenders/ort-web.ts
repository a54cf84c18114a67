/** onnxruntime-web, WASM backend (SIMD), one thread, no proxy worker, in this Node process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importOrt, INSTALL_HINT, type Ort } from './ort.ts';
import { installedPackage, onnxModel, Skip, type BenchInputs, type Contender, type OnnxPrecision } from './types.ts';

export async function createOrtWeb(inp: BenchInputs, precision: OnnxPrecision = 'float32'): Promise<Contender> {
  const model = onnxModel(inp, precision);
  let ort: Ort;
  try {
    ort = await importOrt('onnxruntime-web');
  } catch (e) {
    throw new Skip(`onnxruntime-web is not installed (${INSTALL_HINT}): ${(e as Error).message}`);
  }
  const pkg = installedPackage('onnxruntime-web');
  if (!pkg) throw new Skip(`onnxruntime-web is not installed (${INSTALL_HINT})`);
  const { dir: pkgDir, version } = pkg;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = pathToFileURL(join(pkgDir, 'dist') + '/').href;
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(model)), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const input = new ort.Tensor('float32', inp.chw, [1, 3, inp.size, inp.size]);
  const feeds = { [session.inputNames[0]]: input };
  const out = session.outputNames[0];
  return {
    id: precision === 'int8' ? 'ort-web-int8' : 'ort-web',
    label: `onnxruntime-web ${version} wasm${precision === 'int8' ? ' int8' : ''}`,
    info: {
      runtime: `Node ${process.versions.node}`,
      version,
      backend: 'wasm (ort-wasm-simd-threaded.wasm)',
      numThreads: ort.env.wasm.numThreads,
      proxy: ort.env.wasm.proxy,
      simd: ort.env.wasm.simd,
      graphOptimizationLevel: 'all',
      precision,
      model,
    },
    async runOnce() {
      const t0 = performance.now();
      const r = await session.run(feeds);
      const dt = performance.now() - t0;
      r[out].dispose?.();
      return dt;
    },
    async logits() {
      const r = await session.run(feeds);
      return Float32Array.from(r[out].data as Float32Array);
    },
    async close() {
      await session.release();
    },
  };
}
