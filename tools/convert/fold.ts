/**
 * Folds every BatchNorm into the conv before it, and every re-parameterizable branch of a
 * GhostNetV3 checkpoint into one conv (RepVGG, as timm's reparameterize() does), giving each conv
 * of the net one weight and one bias. PyTorch's eval-mode BN is
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, eps = 1e-5, so a conv-BN branch contributes
 * kernel · s and beta - mean · s with s = gamma / sqrt(var + eps); a 1x1 branch sits at the centre
 * of the kxk kernel; a BN on the identity is a centred one-hot (diagonal) kernel times s.
 * Sums are taken in float64 and rounded once to float32.
 */
import type { ConvSpec } from '../../worker/model/architecture.ts';
import type { StateDict } from './checkpoint/index.ts';
import type { ConvSource } from './layout.ts';

export const BN_EPS = 1e-5;

export interface FoldedConv {
  spec: ConvSpec;
  weight: Float32Array; // [cout, cin/groups, kh, kw]
  bias: Float32Array; // [cout]
  /**
   * The folded BNs' affine parameters: a single BN's output has per-channel mean ≈ beta and
   * std ≈ |gamma|; for a sum of branches, beta is the sum and gamma the root of the summed
   * squares (as if the branches were independent). Absent for convs without BN.
   */
  bn?: { beta: Float32Array; gamma: Float32Array };
}

export function foldConv(src: ConvSource, sd: StateDict): FoldedConv {
  const c = src.spec;
  const get = (k: string) => {
    const t = sd.get(k);
    if (!t) throw new Error(`missing ${k}`); // inferLayout has already checked every key
    return t.data;
  };
  const perGroup = c.cin / c.groups;
  const perOut = perGroup * c.kh * c.kw;
  const weight = new Float64Array(c.cout * perOut);
  const bias = new Float64Array(c.cout);
  const betaSum = new Float64Array(c.cout);
  const gammaSq = new Float64Array(c.cout);
  let bns = 0;
  for (const b of src.branches) {
    if (b.kind === 'conv-bias') {
      const w = get(b.weight);
      const bb = get(b.bias);
      for (let i = 0; i < weight.length; i++) weight[i] += w[i];
      for (let o = 0; o < c.cout; o++) bias[o] += bb[o];
      continue;
    }
    const gamma = get(`${b.bn}.weight`);
    const beta = get(`${b.bn}.bias`);
    const mean = get(`${b.bn}.running_mean`);
    const variance = get(`${b.bn}.running_var`);
    const w = b.kind === 'conv-bn' ? get(b.weight) : null;
    bns++;
    for (let o = 0; o < c.cout; o++) {
      const s = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
      if (b.kind === 'conv-bn') {
        // The branch kernel [perGroup, kh, kw] placed at the centre of [perGroup, c.kh, c.kw].
        const dy = (c.kh - b.kh) >> 1;
        const dx = (c.kw - b.kw) >> 1;
        for (let i = 0; i < perGroup; i++)
          for (let y = 0; y < b.kh; y++) for (let x = 0; x < b.kw; x++) weight[o * perOut + (i * c.kh + y + dy) * c.kw + x + dx] += w![((o * perGroup + i) * b.kh + y) * b.kw + x] * s;
      } else {
        // Identity: output channel o reads input channel o, which is index o % perGroup of its group.
        weight[o * perOut + ((o % perGroup) * c.kh + (c.kh >> 1)) * c.kw + (c.kw >> 1)] += s;
      }
      bias[o] += beta[o] - mean[o] * s;
      betaSum[o] += beta[o];
      gammaSq[o] += gamma[o] * gamma[o];
    }
  }
  const folded: FoldedConv = { spec: c, weight: Float32Array.from(weight), bias: Float32Array.from(bias) };
  if (bns) folded.bn = { beta: Float32Array.from(betaSum), gamma: Float32Array.from(gammaSq, Math.sqrt) };
  return folded;
}

/** Every conv of the net, folded, by its official V1/V2 name. */
export function foldCheckpoint(sources: ConvSource[], sd: StateDict): Map<string, FoldedConv> {
  return new Map(sources.map((s) => [s.spec.name, foldConv(s, sd)]));
}
