/** onnxruntime-node, CPU execution provider, one intra-op and one inter-op thread, sequential. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importOrt, INSTALL_HINT, type Ort } from './ort.ts';
import { installedPackage, onnxModel, Skip, type BenchInputs, type Contender, type OnnxPrecision } from './types.ts';

export async function createOrtNode(inp: BenchInputs, precision: OnnxPrecision = 'float32'): Promise<Contender> {
  const model = onnxModel(inp, precision);
  const pkg = installedPackage('onnxruntime-node');
  if (!pkg) throw new Skip(`onnxruntime-node is not installed (${INSTALL_HINT})`);
  const { dir: pkgDir, version } = pkg;
  const napi = existsSync(join(pkgDir, 'bin')) ? readdirSync(join(pkgDir, 'bin')).filter((d) => d.startsWith('napi-v')) : [];
  const binary = napi.map((d) => join(pkgDir, 'bin', d, process.platform, process.arch, 'onnxruntime_binding.node')).find((f) => existsSync(f));
  if (!binary) throw new Skip(`onnxruntime-node ${version} ships no CPU binary for ${process.platform}/${process.arch} under ${join(pkgDir, 'bin')}`);
  let ort: Ort;
  try {
    ort = await importOrt('onnxruntime-node');
  } catch (e) {
    throw new Skip(`onnxruntime-node does not load: ${(e as Error).message}`);
  }
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const input = new ort.Tensor('float32', inp.chw, [1, 3, inp.size, inp.size]);
  const feeds = { [session.inputNames[0]]: input };
  const out = session.outputNames[0];
  return {
    id: precision === 'int8' ? 'ort-node-int8' : 'ort-node',
    label: `onnxruntime-node ${version} cpu${precision === 'int8' ? ' int8' : ''}`,
    info: {
      runtime: `Node ${process.versions.node}`,
      version,
      backend: `cpu (${process.platform}/${process.arch} native)`,
      binary,
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      precision,
      model,
    },
    async runOnce() {
      const t0 = performance.now();
      await session.run(feeds);
      return performance.now() - t0;
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
