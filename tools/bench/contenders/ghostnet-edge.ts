/** ghostnet-edge: the int8 engine (AssemblyScript → WASM) in this Node process, one thread. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readModelFile, type ModelFile } from '../../../worker/model/format.ts';
import { Int8Engine } from '../../../worker/model/engine.ts';
import { createEngine, type Build } from '../../engine-node.ts';
import { Skip, type BenchInputs, type Contender } from './types.ts';

const models = new Map<string, Promise<ModelFile>>();

export function loadModel(path: string): Promise<ModelFile> {
  let m = models.get(path);
  if (!m) models.set(path, (m = readModelFile(new Uint8Array(readFileSync(path)))));
  return m;
}

/** Node ≤ 20 (V8 ≤ 11.3) executes relaxed SIMD with wrong results, so the relaxed build is never timed there. */
export function relaxedUnsupportedReason(): string | null {
  const major = Number(process.versions.node.split('.')[0]);
  if (major <= 20) return `Node ${process.versions.node}'s relaxed SIMD gives wrong results; the relaxed build is benchmarked only where the runtime implements it correctly`;
  return null;
}

export interface EdgeContender extends Contender {
  readonly engine: Int8Engine;
  readonly model: ModelFile;
}

/**
 * Our engine in this process. `baseline` runs another engine binary with today's engine.ts instead
 * (e.g. an older commit's build/engine.simd128.wasm, for before/after in one interleaved run; the
 * packing goes through that binary's own *_pack exports, so its layouts need not match).
 */
export async function createEdge(inp: BenchInputs, build: Build, baseline?: string): Promise<EdgeContender> {
  if (!inp.int8Model) throw new Skip('no int8 model file (conversion was skipped or failed)');
  if (build === 'relaxed') {
    const why = relaxedUnsupportedReason();
    if (why) throw new Skip(why);
  }
  const model = await loadModel(inp.int8Model);
  let engine: Int8Engine;
  try {
    engine = baseline ? await Int8Engine.create(model, new WebAssembly.Module(readFileSync(baseline))) : await createEngine(model, build);
  } catch (e) {
    throw new Skip(`engine ${build} does not load: ${(e as Error).message}`);
  }
  // A --baseline binary may be any build (e.g. the relaxed one, profiled beside SIMD128); it runs as what it reports.
  if (baseline && engine.variant === 'relaxed' && relaxedUnsupportedReason()) throw new Skip(relaxedUnsupportedReason()!);
  if (!baseline && engine.variant !== build) throw new Skip(`build/engine.${build}.wasm reports variant ${engine.variant}`);
  build = engine.variant as Build;
  const chw = inp.chw;
  return {
    id: baseline ? 'edge-baseline' : `edge-${build}`,
    label: baseline ? `ghostnet-edge int8 ${build} baseline ${basename(baseline)}` : `ghostnet-edge int8 ${build}`,
    info: {
      runtime: `Node ${process.versions.node} (V8 ${process.versions.v8})`,
      build,
      ...(baseline ? { wasm: baseline } : {}),
      precision: 'int8',
      threads: 1,
      model: inp.int8Model,
      model_sha256: model.sha256,
      wasm_memory_bytes: engine.memoryBytes,
    },
    engine,
    model,
    async runOnce() {
      const t0 = performance.now();
      engine.run(chw);
      return performance.now() - t0;
    },
    async logits() {
      return engine.run(chw).logits;
    },
    async close() {},
  };
}
