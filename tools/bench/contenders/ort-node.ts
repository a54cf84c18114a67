/** onnxruntime-node, CPU execution provider, one intra-op and one inter-op thread, sequential. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importOrt, INSTALL_HINT, type Ort } from './ort.ts';
import { installedPackage, Skip, type BenchInputs, type Contender } from './types.ts';

export async function createOrtNode(inp: BenchInputs): Promise<Contender> {
  if (!inp.onnx) throw new Skip('no ONNX file (export was skipped or failed)');
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
  const session = await ort.InferenceSession.create(inp.onnx, {
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
    id: 'ort-node',
    label: `onnxruntime-node ${version} cpu`,
    info: {
      runtime: `Node ${process.versions.node}`,
      version,
      backend: `cpu (${process.platform}/${process.arch} native)`,
      binary,
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      precision: 'float32',
      model: inp.onnx,
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
