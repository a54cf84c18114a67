/**
 * The int8 graph of GhostNetV2: the ops the engine runs, in order, and the tensors between them.
 * Tensor names are the float reference's tap names (tools/convert/float-forward.ts), so calibration
 * ranges, the model file's activation table and the engine all speak of the same tensors.
 * Derived from the NetSpec alone; quantization parameters are attached by the engine at prepare.
 */
import type { NetSpec, GhostSpec } from './architecture.ts';

/** A channel slice of a tensor: the Ghost concat writes its two halves straight into one buffer. */
export interface Slice {
  tensor: string;
  offset: number; // first channel
  channels: number;
}

export type Op =
  | { kind: 'stem'; conv: string; input: Slice; output: Slice } // 3x3 s2 conv + ReLU via im2col + GEMM
  | { kind: 'pointwise'; conv: string; input: Slice; output: Slice; relu: boolean }
  | { kind: 'depthwise'; conv: string; input: Slice; output: Slice; relu: boolean; stride: number }
  | { kind: 'avgpool2x2'; input: Slice; output: Slice }
  | { kind: 'global_avgpool'; input: Slice; output: Slice }
  | { kind: 'dfc_gate'; input: Slice; gate: Slice; output: Slice } // x * upsample(sigmoid(gate))
  | { kind: 'se_gate'; input: Slice; gate: Slice; output: Slice } // x * hard_sigmoid(gate) per channel
  | { kind: 'add'; a: Slice; b: Slice; output: Slice }
  | { kind: 'classifier'; conv: string; input: Slice }; // float logits out

export interface TensorShape {
  name: string;
  c: number;
  h: number;
  w: number;
}

export interface Graph {
  ops: Op[];
  tensors: Map<string, TensorShape>;
  features: string; // the 1280-d embedding tensor
}

const whole = (tensor: string, channels: number): Slice => ({ tensor, offset: 0, channels });

/** Builds the op list and every tensor's shape for a square input of `size` pixels. */
export function buildGraph(spec: NetSpec, size: number): Graph {
  const ops: Op[] = [];
  const tensors = new Map<string, TensorShape>();
  const define = (name: string, c: number, h: number, w: number) => {
    tensors.set(name, { name, c, h, w });
    return whole(name, c);
  };
  const shape = (s: Slice) => tensors.get(s.tensor)!;
  const down = (n: number, k: number, stride: number) => Math.floor((n + 2 * (k >> 1) - k) / stride) + 1;

  const ghost = (g: GhostSpec, x: Slice): Slice => {
    const { h, w } = shape(x);
    const concatName = g.dfc ? `${g.name}.concat` : g.name;
    const concat = define(concatName, g.oup, h, w);
    const primary: Slice = { tensor: concatName, offset: 0, channels: g.init };
    ops.push({ kind: 'pointwise', conv: `${g.name}.primary_conv.0`, input: x, output: primary, relu: g.relu });
    // concat([x1, cheap(x1)])[:oup] — only the first oup - init cheap channels are ever used.
    const cheap = g.oup - g.init;
    ops.push({
      kind: 'depthwise',
      conv: `${g.name}.cheap_operation.0`,
      input: { tensor: concatName, offset: 0, channels: cheap },
      output: { tensor: concatName, offset: g.init, channels: cheap },
      relu: g.relu,
      stride: 1,
    });
    if (!g.dfc) return concat;
    const pooled = define(`${g.name}.pool`, g.cin, h >> 1, w >> 1);
    ops.push({ kind: 'avgpool2x2', input: x, output: pooled });
    let s = define(`${g.name}.short_conv.0`, g.oup, h >> 1, w >> 1);
    ops.push({ kind: 'pointwise', conv: `${g.name}.short_conv.0`, input: pooled, output: s, relu: false });
    for (const i of [2, 4]) {
      const next = define(`${g.name}.short_conv.${i}`, g.oup, h >> 1, w >> 1);
      ops.push({ kind: 'depthwise', conv: `${g.name}.short_conv.${i}`, input: s, output: next, relu: false, stride: 1 });
      s = next;
    }
    const out = define(g.name, g.oup, h, w);
    ops.push({ kind: 'dfc_gate', input: concat, gate: s, output: out });
    return out;
  };

  let x = define('input', 3, size, size);
  const stemOut = define('conv_stem', spec.stem, down(size, 3, 2), down(size, 3, 2));
  ops.push({ kind: 'stem', conv: 'conv_stem', input: x, output: stemOut });
  x = stemOut;

  for (const b of spec.blocks) {
    const input = x;
    let y = ghost(b.ghost1, input);
    if (b.stride > 1) {
      const { h, w } = shape(y);
      const out = define(`${b.name}.conv_dw`, b.mid, down(h, b.k, b.stride), down(w, b.k, b.stride));
      ops.push({ kind: 'depthwise', conv: `${b.name}.conv_dw`, input: y, output: out, relu: false, stride: b.stride });
      y = out;
    }
    if (b.seReduced) {
      const { h, w } = shape(y);
      const pooled = define(`${b.name}.se.pool`, b.mid, 1, 1);
      ops.push({ kind: 'global_avgpool', input: y, output: pooled });
      const reduced = define(`${b.name}.se.conv_reduce`, b.seReduced, 1, 1);
      ops.push({ kind: 'pointwise', conv: `${b.name}.se.conv_reduce`, input: pooled, output: reduced, relu: true });
      const expanded = define(`${b.name}.se.conv_expand`, b.mid, 1, 1);
      ops.push({ kind: 'pointwise', conv: `${b.name}.se.conv_expand`, input: reduced, output: expanded, relu: false });
      const out = define(`${b.name}.se`, b.mid, h, w);
      ops.push({ kind: 'se_gate', input: y, gate: expanded, output: out });
      y = out;
    }
    y = ghost(b.ghost2, y);
    let shortcut = input;
    if (b.convShortcut) {
      const { h, w } = shape(input);
      const dw = define(`${b.name}.shortcut.0`, b.cin, down(h, b.k, b.stride), down(w, b.k, b.stride));
      ops.push({ kind: 'depthwise', conv: `${b.name}.shortcut.0`, input, output: dw, relu: false, stride: b.stride });
      shortcut = define(`${b.name}.shortcut.2`, b.cout, shape(dw).h, shape(dw).w);
      ops.push({ kind: 'pointwise', conv: `${b.name}.shortcut.2`, input: dw, output: shortcut, relu: false });
    }
    const { h, w } = shape(y);
    x = define(b.name, b.cout, h, w);
    ops.push({ kind: 'add', a: y, b: shortcut, output: x });
  }

  const { h, w } = shape(x);
  const fin = define(spec.finalName, spec.finalChannels, h, w);
  ops.push({ kind: 'pointwise', conv: `${spec.finalName}.conv`, input: x, output: fin, relu: true });
  const pooled = define('global_pool', spec.finalChannels, 1, 1);
  ops.push({ kind: 'global_avgpool', input: fin, output: pooled });
  const head = define('conv_head', spec.headChannels, 1, 1);
  ops.push({ kind: 'pointwise', conv: 'conv_head', input: pooled, output: head, relu: true });
  ops.push({ kind: 'classifier', conv: 'classifier', input: head });
  return { ops, tensors, features: 'conv_head' };
}

/** The tensor each conv reads: its bias is quantized with that tensor's scale. */
export function convInputs(graph: Graph): Map<string, string> {
  const m = new Map<string, string>();
  for (const op of graph.ops) if ('conv' in op) m.set(op.conv, op.input.tensor);
  return m;
}
