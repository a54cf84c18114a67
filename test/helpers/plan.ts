/**
 * The plan path against the per-op path (worker/model/plan.ts): the same model, two engines of one
 * build, one running the network as a plan (run_plan, one call), the other op by op from JS; every
 * tensor's bytes and the logits' bits must agree. Used in Node (scalar, SIMD128) and in workerd
 * (relaxed: test/workers/relaxed-engine.test.ts).
 */
import { type ModelFile, readModelFile, writeModelFile } from '../../worker/model/format.ts';
import { Int8Engine } from '../../worker/model/engine.ts';
import { Rng } from '../../tools/lib/rng.ts';

/** `model` with another input size: the weights and activation quantization do not depend on it, only the maps' sizes. */
export async function atInputSize(model: ModelFile, size: number): Promise<ModelFile> {
  const { tensors, ...header } = structuredClone(model.header);
  const data = tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: model.tensor(t.name) }));
  return readModelFile(await writeModelFile({ ...header, preprocessing: { ...header.preprocessing, input_size: size } }, data));
}

/** What differs between the two paths over `runs` random images (empty: nothing), and whether each took its path. */
export function planAgainstPerOp(model: ModelFile, wasm: WebAssembly.Module, runs: number, seed: number) {
  const plan = Int8Engine.prepare(model, wasm, { debug: true });
  const perOp = Int8Engine.prepare(model, wasm, { debug: true, plan: false });
  const rng = new Rng(seed);
  const size = model.header.preprocessing.input_size;
  const differ: string[] = [];
  for (let i = 0; i < runs; i++) {
    const x = new Float32Array(3 * size * size).map(() => rng.next() * 4 - 2);
    const a = plan.run(x);
    const b = perOp.run(x);
    for (const name of plan.graph.tensors.keys()) if (!sameBytes(plan.raw(name), perOp.raw(name))) differ.push(`image ${i}: tensor ${name}`);
    if (!sameBytes(a.logits, b.logits)) differ.push(`image ${i}: logits`);
  }
  return { paths: [plan.runsPlan, perOp.runsPlan], differ, variant: plan.variant };
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
