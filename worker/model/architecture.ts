/**
 * The GhostNet family's inference shape, as the official code builds it (huawei-noah/
 * Efficient-AI-Backbones: ghostnet_pytorch, ghostnetv2_pytorch, ghostnetv3_pytorch; timm's
 * ghostnet.py builds the same). Everything here is derived from (width, num_classes, family); the
 * converter checks a checkpoint against it (tools/convert/layout.ts), and the engine plans from it.
 *
 * One network serves the three versions:
 *  - GhostNetV2: Ghost modules, DFC attention on ghost1 of every block from layer 2 on, SE, the cfgs below;
 *  - GhostNetV1: the same without DFC attention;
 *  - GhostNetV3: trained with re-parameterizable branches; once they are folded (at convert time) its
 *    inference network is exactly GhostNetV2's (DFC from layer 2 on = timm's mode 'shortcut').
 */

export type Family = 'ghostnetv1' | 'ghostnetv2' | 'ghostnetv3';
export const FAMILIES: readonly Family[] = ['ghostnetv1', 'ghostnetv2', 'ghostnetv3'];

/** "GhostNetV3" for 'ghostnetv3'. */
export function familyName(f: Family): string {
  return `GhostNetV${f.slice(-1)}`;
}

/** Whether a version has DFC attention (V1 does not; V3 after re-parameterization does, like V2). */
export const hasDfc = (f: Family): boolean => f !== 'ghostnetv1';

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
  family: Family;
  width: number;
  numClasses: number;
  stem: number;
  blocks: BlockSpec[];
  finalName: string; // "blocks.9.0" — the ConvBnAct after the last stage
  finalChannels: number;
  headChannels: number;
}

export function netSpec(width: number, numClasses: number, family: Family = 'ghostnetv2'): NetSpec {
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
        ghost1: { name: `${name}.ghost1`, cin, oup: mid, init: Math.ceil(mid / 2), relu: true, dfc: hasDfc(family) && layerId > 1 },
        ghost2: { name: `${name}.ghost2`, cin: mid, oup: cout, init: Math.ceil(cout / 2), relu: false, dfc: false },
        convShortcut: !(cin === cout && stride === 1),
      });
      cin = cout;
      layerId++;
      lastExp = exp;
    });
  });
  return {
    family,
    width,
    numClasses,
    stem,
    blocks,
    finalName: `blocks.${CFGS.length}.0`,
    finalChannels: makeDivisible(lastExp * width, 4),
    headChannels: HEAD_CHANNELS,
  };
}

/** One conv with its BatchNorm folded in, named by the official V1/V2 conv key (without ".weight"). */
export interface ConvSpec {
  name: string;
  bn: string | null; // official V1/V2 key prefix of the BatchNorm folded into it; null for convs with their own bias
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

export class ArchitectureError extends Error {}
