/**
 * Data-free activation ranges, for `convert --precision int8` without calibration images.
 * A conv followed by BatchNorm produces, per channel, roughly N(beta, gamma²) on the data the BN
 * saw in training. We carry a per-channel Gaussian (mean, std) through the graph — rectified by
 * ReLU, summed by residual adds, mixed by the BN-less SE and head convs under an independence
 * assumption — and clip each tensor at mean ± K·std over its channels. Less accurate than
 * calibration (it knows nothing of the real inputs); reported as such.
 */
import { buildGraph, type Slice } from '../../worker/model/graph.ts';
import type { NetSpec } from '../../worker/model/architecture.ts';
import type { FoldedConv } from './fold.ts';
import { qparams, type QParams } from './calibrate.ts';

const K = 4;

interface Moments {
  mean: Float64Array;
  std: Float64Array;
  nonNegative: boolean; // after ReLU, or a gate of a non-negative tensor
}

const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf). */
function Phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Moments of ReLU(X), X ~ N(m, s²). */
function relu(m: number, s: number): [number, number] {
  if (s <= 0) return [Math.max(m, 0), 0];
  const a = m / s;
  const mean = m * Phi(a) + s * phi(a);
  const second = (m * m + s * s) * Phi(a) + m * s * phi(a);
  return [mean, Math.sqrt(Math.max(second - mean * mean, 0))];
}

export function dataFreeRanges(spec: NetSpec, size: number, convs: Map<string, FoldedConv>, inputRange: QParams): Map<string, QParams> {
  const graph = buildGraph(spec, size);
  const m = new Map<string, Moments>();
  const tensor = (name: string) => {
    let t = m.get(name);
    if (!t) {
      const c = graph.tensors.get(name)!.c;
      m.set(name, (t = { mean: new Float64Array(c), std: new Float64Array(c), nonNegative: true }));
    }
    return t;
  };
  const read = (s: Slice) => {
    const t = tensor(s.tensor);
    return { mean: t.mean.subarray(s.offset, s.offset + s.channels), std: t.std.subarray(s.offset, s.offset + s.channels), nonNegative: t.nonNegative };
  };
  const write = (s: Slice, mean: ArrayLike<number>, std: ArrayLike<number>, nonNegative: boolean) => {
    const t = tensor(s.tensor);
    for (let c = 0; c < s.channels; c++) (t.mean[s.offset + c] = mean[c]), (t.std[s.offset + c] = std[c]);
    t.nonNegative &&= nonNegative;
  };
  const copy = (from: Slice, to: Slice) => {
    const x = read(from);
    write(to, x.mean, x.std, x.nonNegative);
  };
  // Normalized images: roughly zero mean, unit variance per channel.
  write({ tensor: 'input', offset: 0, channels: 3 }, [0, 0, 0], [1, 1, 1], false);

  const conv = (name: string, input: Slice, output: Slice, applyRelu: boolean) => {
    const c = convs.get(name)!;
    const n = output.channels;
    const mean = new Float64Array(n);
    const std = new Float64Array(n);
    if (c.bn) {
      for (let o = 0; o < n; o++) (mean[o] = c.bn.beta[o]), (std[o] = Math.abs(c.bn.gamma[o]));
    } else {
      // y = W x + b with independent inputs: E[y] = W E[x] + b, Var[y] = Σ W² Var[x], over every
      // tap (padding ignored) of the group's input channels. SE, conv_head, and GhostNetV3's
      // re-parameterized convs once their branches are folded and BN-free (deploy checkpoints).
      const x = read(input);
      const { cout, groups, kh, kw } = c.spec;
      const perGroup = c.spec.cin / groups;
      const taps = kh * kw;
      for (let o = 0; o < n; o++) {
        const g = Math.floor(o / (cout / groups));
        let mu = c.bias[o];
        let v = 0;
        for (let i = 0; i < perGroup; i++) {
          const ci = g * perGroup + i;
          for (let t = 0; t < taps; t++) {
            const w = c.weight[(o * perGroup + i) * taps + t];
            mu += w * x.mean[ci];
            v += w * w * x.std[ci] * x.std[ci];
          }
        }
        (mean[o] = mu), (std[o] = Math.sqrt(v));
      }
    }
    if (applyRelu) for (let o = 0; o < n; o++) [mean[o], std[o]] = relu(mean[o], std[o]);
    write(output, mean, std, applyRelu);
  };

  for (const op of graph.ops) {
    switch (op.kind) {
      case 'stem':
        conv(op.conv, op.input, op.output, true);
        break;
      case 'pointwise':
      case 'depthwise':
        conv(op.conv, op.input, op.output, op.relu);
        break;
      case 'add': {
        const a = read(op.a);
        const b = read(op.b);
        const n = op.output.channels;
        const mean = new Float64Array(n);
        const std = new Float64Array(n);
        for (let c = 0; c < n; c++) (mean[c] = a.mean[c] + b.mean[c]), (std[c] = Math.hypot(a.std[c], b.std[c]));
        write(op.output, mean, std, a.nonNegative && b.nonNegative);
        break;
      }
      case 'classifier':
        break;
      default:
        // pools and gates (and a new op, until it says otherwise): a mean or a (0,1) gate never
        // widens the range, so the output keeps its input's
        copy(op.input, op.output);
    }
  }

  const out = new Map<string, QParams>();
  for (const [name, t] of m) {
    if (name === 'input') {
      out.set(name, inputRange);
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < t.mean.length; c++) {
      lo = Math.min(lo, t.mean[c] - K * t.std[c]);
      hi = Math.max(hi, t.mean[c] + K * t.std[c]);
    }
    out.set(name, qparams(t.nonNegative ? 0 : lo, hi));
  }
  return out;
}
