/**
 * GhostNetV2's shape, as the official code builds it (huawei-noah/Efficient-AI-Backbones,
 * ghostnetv2_pytorch/model/ghostnetv2_torch.py). Everything here is derived from
 * (width, num_classes); the converter checks a checkpoint against it, and the engine plans from it.
 */

/** k, expansion, out channels, SE ratio, stride — the official cfgs, one list per stage. */
export const CFGS: ReadonlyArray<ReadonlyArray<readonly [number, number, number, number, number]>> = [
  [[3, 16, 16, 0, 1]],
  [[3, 48, 24, 0, 2]],
  [[3, 72, 24, 0, 1]],
  [[5, 72, 40, 0.25, 2]],
  [[5, 120, 40, 0.25, 1]],
  [[3, 240, 80, 0, 2]],
  [
    [3, 200, 80, 0, 1],
    [3, 184, 80, 0, 1],
    [3, 184, 80, 0, 1],
    [3, 480, 112, 0.25, 1],
    [3, 672, 112, 0.25, 1],
  ],
  [[5, 672, 160, 0.25, 2]],
  [
    [5, 960, 160, 0, 1],
    [5, 960, 160, 0.25, 1],
    [5, 960, 160, 0, 1],
    [5, 960, 160, 0.25, 1],
  ],
];

export const HEAD_CHANNELS = 1280;

/** The official _make_divisible: round to a multiple of `divisor`, never down by more than 10%. */
export function makeDivisible(v: number, divisor: number): number {
  let n = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** A Ghost module: primary 1x1 conv to `init` channels, cheap 3x3 depthwise to `init` more, sliced to `oup`. */
export interface GhostSpec {
  name: string; // e.g. "blocks.2.0.ghost1"
  cin: number;
  oup: number;
  init: number; // ceil(oup / 2): channels of the primary conv, also of the cheap op
  relu: boolean;
  dfc: boolean; // carries DFC attention (short_conv) — ghost1 of blocks with layer index > 1
}

export interface BlockSpec {
  name: string; // "blocks.<stage>.<index>"
  layerId: number;
  cin: number;
  mid: number;
  cout: number;
  k: number; // depthwise kernel of conv_dw and the shortcut
  stride: number;
  seReduced: number; // 0 when the block has no SE
  ghost1: GhostSpec;
  ghost2: GhostSpec;
  convShortcut: boolean; // false: identity shortcut
}

export interface NetSpec {
  width: number;
  numClasses: number;
  stem: number;
  blocks: BlockSpec[];
  finalName: string; // "blocks.9.0" — the ConvBnAct after the last stage
  finalChannels: number;
  headChannels: number;
}

export function netSpec(width: number, numClasses: number): NetSpec {
  const stem = makeDivisible(16 * width, 4);
  const blocks: BlockSpec[] = [];
  let cin = stem;
  let layerId = 0;
  let lastExp = 0;
  CFGS.forEach((stage, s) => {
    stage.forEach(([k, exp, c, se, stride], i) => {
      const cout = makeDivisible(c * width, 4);
      const mid = makeDivisible(exp * width, 4);
      const name = `blocks.${s}.${i}`;
      blocks.push({
        name,
        layerId,
        cin,
        mid,
        cout,
        k,
        stride,
        seReduced: se > 0 ? makeDivisible(mid * se, 4) : 0,
        ghost1: { name: `${name}.ghost1`, cin, oup: mid, init: Math.ceil(mid / 2), relu: true, dfc: layerId > 1 },
        ghost2: { name: `${name}.ghost2`, cin: mid, oup: cout, init: Math.ceil(cout / 2), relu: false, dfc: false },
        convShortcut: !(cin === cout && stride === 1),
      });
      cin = cout;
      layerId++;
      lastExp = exp;
    });
  });
  return {
    width,
    numClasses,
    stem,
    blocks,
    finalName: `blocks.${CFGS.length}.0`,
    finalChannels: makeDivisible(lastExp * width, 4),
    headChannels: HEAD_CHANNELS,
  };
}

/** One conv with its BatchNorm folded in, named by the official conv key (without ".weight"). */
export interface ConvSpec {
  name: string;
  bn: string | null; // official key prefix of the BatchNorm folded into it; null for convs with their own bias
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  stride: number;
  groups: number;
}

function conv(name: string, bn: string | null, cin: number, cout: number, kh: number, kw: number, stride: number, groups: number): ConvSpec {
  return { name, bn, cin, cout, kh, kw, stride, groups };
}

function ghostConvs(g: GhostSpec): ConvSpec[] {
  const out = [
    conv(`${g.name}.primary_conv.0`, `${g.name}.primary_conv.1`, g.cin, g.init, 1, 1, 1, 1),
    conv(`${g.name}.cheap_operation.0`, `${g.name}.cheap_operation.1`, g.init, g.init, 3, 3, 1, g.init),
  ];
  if (g.dfc) {
    out.push(
      conv(`${g.name}.short_conv.0`, `${g.name}.short_conv.1`, g.cin, g.oup, 1, 1, 1, 1),
      conv(`${g.name}.short_conv.2`, `${g.name}.short_conv.3`, g.oup, g.oup, 1, 5, 1, g.oup),
      conv(`${g.name}.short_conv.4`, `${g.name}.short_conv.5`, g.oup, g.oup, 5, 1, 1, g.oup),
    );
  }
  return out;
}

/** Every conv/linear of the net in execution order, each with the BN it absorbs. */
export function convSpecs(spec: NetSpec): ConvSpec[] {
  const out: ConvSpec[] = [conv('conv_stem', 'bn1', 3, spec.stem, 3, 3, 2, 1)];
  for (const b of spec.blocks) {
    out.push(...ghostConvs(b.ghost1));
    if (b.stride > 1) out.push(conv(`${b.name}.conv_dw`, `${b.name}.bn_dw`, b.mid, b.mid, b.k, b.k, b.stride, b.mid));
    if (b.seReduced) {
      out.push(conv(`${b.name}.se.conv_reduce`, null, b.mid, b.seReduced, 1, 1, 1, 1));
      out.push(conv(`${b.name}.se.conv_expand`, null, b.seReduced, b.mid, 1, 1, 1, 1));
    }
    out.push(...ghostConvs(b.ghost2));
    if (b.convShortcut) {
      out.push(conv(`${b.name}.shortcut.0`, `${b.name}.shortcut.1`, b.cin, b.cin, b.k, b.k, b.stride, b.cin));
      out.push(conv(`${b.name}.shortcut.2`, `${b.name}.shortcut.3`, b.cin, b.cout, 1, 1, 1, 1));
    }
  }
  const last = spec.blocks[spec.blocks.length - 1];
  out.push(conv(`${spec.finalName}.conv`, `${spec.finalName}.bn1`, last.cout, spec.finalChannels, 1, 1, 1, 1));
  out.push(conv('conv_head', null, spec.finalChannels, spec.headChannels, 1, 1, 1, 1));
  out.push(conv('classifier', null, spec.headChannels, spec.numClasses, 1, 1, 1, 1));
  return out;
}

/** The official state_dict keys and shapes (without thop's total_* and BN's num_batches_tracked). */
export function officialShapes(spec: NetSpec): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const c of convSpecs(spec)) {
    if (c.name === 'classifier') {
      m.set('classifier.weight', [c.cout, c.cin]);
      m.set('classifier.bias', [c.cout]);
      continue;
    }
    m.set(`${c.name}.weight`, [c.cout, c.cin / c.groups, c.kh, c.kw]);
    if (c.bn) for (const p of ['weight', 'bias', 'running_mean', 'running_var']) m.set(`${c.bn}.${p}`, [c.cout]);
    else m.set(`${c.name}.bias`, [c.cout]);
  }
  return m;
}

export class ArchitectureError extends Error {}

/**
 * Infers width and class count from tensor shapes, then checks every key and shape.
 * Width is recovered from the final ConvBnAct (960·w channels) and confirmed against all shapes,
 * so any width the official code can build is accepted, not just 1.0/1.3/1.6.
 */
export function inferNetSpec(shapes: Map<string, number[]>): NetSpec {
  const cls = shapes.get('classifier.weight');
  if (!cls || cls.length !== 2) throw new ArchitectureError('not a GhostNetV2 checkpoint: missing classifier.weight [classes, 1280]');
  const finalKey = `blocks.${CFGS.length}.0.conv.weight`;
  const fin = shapes.get(finalKey);
  if (!fin) throw new ArchitectureError(`not a GhostNetV2 checkpoint: missing ${finalKey}`);
  const numClasses = cls[0];
  const approx = fin[0] / 960;
  // The width that reproduces every shape; try the nearest two-decimal values first.
  const candidates: number[] = [];
  for (let d = 0; d <= 8; d++) for (const s of d ? [-1, 1] : [1]) candidates.push(Math.round(approx * 100 + s * d) / 100);
  let firstMismatch = '';
  for (const w of candidates) {
    if (w <= 0) continue;
    const spec = netSpec(w, numClasses);
    const problem = shapeMismatch(officialShapes(spec), shapes);
    if (!problem) return spec;
    if (!firstMismatch) firstMismatch = problem;
  }
  throw new ArchitectureError(`checkpoint does not fit GhostNetV2 (width ≈ ${approx.toFixed(2)}, ${numClasses} classes): ${firstMismatch}`);
}

function shapeMismatch(expected: Map<string, number[]>, got: Map<string, number[]>): string | null {
  for (const [k, shape] of expected) {
    const g = got.get(k);
    if (!g) return `missing key ${k}`;
    if (g.length !== shape.length || g.some((v, i) => v !== shape[i])) return `${k} has shape [${g}], expected [${shape}]`;
  }
  for (const k of got.keys()) if (!expected.has(k)) return `unexpected key ${k}`;
  return null;
}
