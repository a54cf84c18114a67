/**
 * Tensor-by-tensor fidelity of the int8 engine against the float reference: the SQNR of every
 * int8 tensor (10·log10(Σf² / Σ(f − q)²)). A correct engine on a trained net holds ~23–33 dB;
 * a wiring error shows up as a cliff at the first wrong tensor.
 */
import type { Int8Engine } from '../../worker/model/engine.ts';
import { cosine } from '../lib/cosine.ts';
import type { Feature, FloatGhostNetV2 } from './float-forward.ts';

export interface TensorFidelity {
  tensor: string;
  sqnrDb: number;
}

export function sqnr(reference: Float32Array, test: Float32Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < reference.length; i++) {
    s += reference[i] * reference[i];
    const d = reference[i] - test[i];
    n += d * d;
  }
  return n === 0 ? Infinity : 10 * Math.log10(s / n);
}

/** Runs both on one input; the engine must be in debug mode (no arena reuse) so every tensor is intact. */
export function tensorFidelity(engine: Int8Engine, net: FloatGhostNetV2, x: Feature): { tensors: TensorFidelity[]; logitsCosine: number } {
  const floats = new Map<string, Float32Array>();
  const { logits } = net.forward(x, (name, t) => floats.set(name, t.data.slice()));
  const out = engine.run(x.data);
  const tensors: TensorFidelity[] = [];
  for (const name of engine.graph.tensors.keys()) {
    const f = floats.get(name);
    if (f) tensors.push({ tensor: name, sqnrDb: sqnr(f, engine.tensor(name)) });
  }
  return { tensors, logitsCosine: cosine(logits, out.logits) };
}
