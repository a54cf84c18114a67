/**
 * Float model → int8 tensors (scheme in models/FORMAT.md):
 *   weights int8 per output channel, symmetric in [-127, 127]: s_w[c] = max|w[c]| / 127;
 *   biases int32 at scale s_in · s_w[c], where s_in is the scale of the tensor the conv reads;
 *   activations int8 per tensor, asymmetric, from calibration (or data-free, from BN statistics).
 * The engine derives requantization multipliers and gate tables from these at load ("prepare").
 */
import { buildGraph, convInputs } from '../../worker/model/graph.ts';
import type { NetSpec } from '../../worker/model/architecture.ts';
import type { Preprocessing, TensorToWrite } from '../../worker/model/format.ts';
import type { FoldedConv } from './fold.ts';
import { qparams, type QParams } from './calibrate.ts';

export const QUANT_SCHEME = 'ghostnet-edge-int8-v1';

/** The normalized input's exact range: [ (0 - mean) / std, (1 - mean) / std ] over the channels. */
export function inputQParams(p: Preprocessing): QParams {
  const lo = Math.min(...p.mean.map((m, i) => (0 - m) / p.std[i]));
  const hi = Math.max(...p.mean.map((m, i) => (1 - m) / p.std[i]));
  return qparams(lo, hi);
}

export function quantizeWeights(c: FoldedConv): { weight: Int8Array; scale: Float32Array } {
  const { cout } = c.spec;
  const per = c.weight.length / cout;
  const weight = new Int8Array(c.weight.length);
  const scale = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(c.weight[o * per + i]));
    const s = m > 0 ? m / 127 : 1;
    scale[o] = s;
    const sf = scale[o]; // quantize with the float32 scale the file stores
    for (let i = 0; i < per; i++) weight[o * per + i] = Math.max(-127, Math.min(127, Math.round(c.weight[o * per + i] / sf)));
  }
  return { weight, scale };
}

export function quantizedTensors(spec: NetSpec, size: number, convs: Map<string, FoldedConv>, act: Map<string, QParams>): TensorToWrite[] {
  const inputs = convInputs(buildGraph(spec, size));
  const out: TensorToWrite[] = [];
  for (const [name, c] of convs) {
    const inName = inputs.get(name);
    const sIn = inName ? act.get(inName)?.scale : undefined;
    if (sIn === undefined) throw new Error(`no activation range for ${inName ?? '?'} (input of ${name})`);
    const { weight, scale } = quantizeWeights(c);
    const bias = new Int32Array(c.spec.cout);
    for (let o = 0; o < bias.length; o++) {
      const q = Math.round(c.bias[o] / (sIn * scale[o]));
      bias[o] = Math.max(-2147483648, Math.min(2147483647, q));
    }
    const s = c.spec;
    out.push({ name: `${name}.weight`, dtype: 'int8', shape: [s.cout, s.cin / s.groups, s.kh, s.kw], data: weight });
    out.push({ name: `${name}.weight_scale`, dtype: 'float32', shape: [s.cout], data: scale });
    out.push({ name: `${name}.bias`, dtype: 'int32', shape: [s.cout], data: bias });
  }
  return out;
}
