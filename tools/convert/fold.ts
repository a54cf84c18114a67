/**
 * Folds every BatchNorm into the conv before it, giving each conv of the net a weight and a bias.
 * PyTorch's eval-mode BN is y = (x - mean) / sqrt(var + eps) * gamma + beta, eps = 1e-5.
 */
import { convSpecs, type ConvSpec, type NetSpec } from '../../worker/model/architecture.ts';
import type { StateDict } from './checkpoint/index.ts';

export const BN_EPS = 1e-5;

export interface FoldedConv {
  spec: ConvSpec;
  weight: Float32Array; // [cout, cin/groups, kh, kw]
  bias: Float32Array; // [cout]
  /** The folded BN's affine parameters: its output has per-channel mean ≈ beta and std ≈ |gamma|. */
  bn?: { beta: Float32Array; gamma: Float32Array };
}

export function foldBatchNorms(spec: NetSpec, sd: StateDict): Map<string, FoldedConv> {
  const out = new Map<string, FoldedConv>();
  const get = (k: string) => {
    const t = sd.get(k);
    if (!t) throw new Error(`missing ${k}`); // inferNetSpec has already checked every key
    return t.data;
  };
  for (const c of convSpecs(spec)) {
    const w = get(`${c.name}.weight`);
    const perOut = w.length / c.cout;
    const weight = new Float32Array(w.length);
    const bias = new Float32Array(c.cout);
    if (c.bn === null) {
      weight.set(w);
      bias.set(get(`${c.name}.bias`));
    } else {
      const gamma = get(`${c.bn}.weight`);
      const beta = get(`${c.bn}.bias`);
      const mean = get(`${c.bn}.running_mean`);
      const variance = get(`${c.bn}.running_var`);
      for (let o = 0; o < c.cout; o++) {
        // Computed in float64, rounded once to float32.
        const s = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
        for (let i = 0; i < perOut; i++) weight[o * perOut + i] = w[o * perOut + i] * s;
        bias[o] = beta[o] - mean[o] * s;
      }
      out.set(c.name, { spec: c, weight, bias, bn: { beta: beta.slice(), gamma: gamma.slice() } });
      continue;
    }
    out.set(c.name, { spec: c, weight, bias });
  }
  return out;
}
