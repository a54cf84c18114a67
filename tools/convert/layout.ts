/**
 * Checkpoint layouts of the GhostNet family: which state_dict keys hold each conv of the inference
 * network (worker/model/architecture.ts) and how they fold into one kernel + bias.
 *
 *  - 'bn': every conv followed by its BatchNorm (or with its own bias). GhostNetV1 (official
 *    ghostnet_pytorch = timm ghostnet_*) and GhostNetV2 (official ghostnetv2_pytorch = timm
 *    ghostnetv2_*), which differ only in the DFC convs (short_conv) V1 lacks.
 *  - 'v3-train': GhostNetV3 as timm distributes it, training-time multi-branch. Per Ghost module the
 *    primary 1x1 is 3 conv-BN branches (primary_rpr_conv.i); the cheap depthwise 3x3 is 3 conv-BN
 *    branches (cheap_rpr_conv.i), a depthwise 1x1 conv-BN (cheap_rpr_scale) and a BN on the
 *    identity (cheap_rpr_skip); a stride-2 block's depthwise kxk is 3 conv-BN branches
 *    (dw_rpr_conv.i) and a depthwise 1x1 stride-2 conv-BN (dw_rpr_scale). timm names the branch BN
 *    `bn1`, the official release `bn`: canonicalV3Keys() renames the latter.
 *  - 'v3-deploy': GhostNetV3 after timm.utils.reparameterize_model: those three convs carry a bias
 *    (primary_conv.0, cheap_operation.0, conv_dw) and no BN; everything else as in 'bn'.
 * Every other conv (stem, DFC, SE, shortcut, final, head, classifier) is the same in all layouts.
 */
import { ArchitectureError, CFGS, convSpecs, familyName, netSpec, type ConvSpec, type Family, type NetSpec } from '../../worker/model/architecture.ts';

export type Form = 'bn' | 'v3-train' | 'v3-deploy';

/** Branches summed into one conv. The kernel of a conv-bn branch may be smaller (1x1): it sits at the centre. */
export type Branch = { kind: 'conv-bn'; weight: string; bn: string; kh: number; kw: number } | { kind: 'conv-bias'; weight: string; bias: string } | { kind: 'bn-identity'; bn: string };

export interface ConvSource {
  spec: ConvSpec;
  branches: Branch[];
}

/** How many conv-BN branches timm's GhostNetV3 sums (num_conv_branches). */
export const V3_CONV_BRANCHES = 3;

const FORM_NAMES: Record<Form, string> = {
  bn: 'conv + BatchNorm',
  'v3-train': 'training-time multi-branch form',
  'v3-deploy': 're-parameterized form',
};

export function describeLayout(family: Family, form: Form): string {
  return form === 'bn' ? familyName(family) : `${familyName(family)}, ${FORM_NAMES[form]}`;
}

const convBn = (prefix: string, kh: number, kw: number): Branch => ({ kind: 'conv-bn', weight: `${prefix}.conv.weight`, bn: `${prefix}.bn1`, kh, kw });
const repeat = (n: number, f: (i: number) => Branch) => Array.from({ length: n }, (_, i) => f(i));

/** The re-parameterizable conv of a V3 module/block, by its V2 name, or null. */
function v3Role(name: string): { owner: string; role: 'primary' | 'cheap' | 'dw' } | null {
  let m = /^(.*)\.primary_conv\.0$/.exec(name);
  if (m) return { owner: m[1], role: 'primary' };
  m = /^(.*)\.cheap_operation\.0$/.exec(name);
  if (m) return { owner: m[1], role: 'cheap' };
  m = /^(.*)\.conv_dw$/.exec(name);
  if (m) return { owner: m[1], role: 'dw' };
  return null;
}

function v3TrainBranches(c: ConvSpec, owner: string, role: 'primary' | 'cheap' | 'dw'): Branch[] {
  const p = `${owner}.${role}_rpr`;
  const convs = repeat(V3_CONV_BRANCHES, (i) => convBn(`${p}_conv.${i}`, c.kh, c.kw));
  if (role === 'primary') return convs;
  const scale = convBn(`${p}_scale`, 1, 1);
  return role === 'cheap' ? [...convs, scale, { kind: 'bn-identity', bn: `${p}_skip` }] : [...convs, scale];
}

/** Where each conv of `spec` comes from in a checkpoint of the given form. */
export function convSources(spec: NetSpec, form: Form): ConvSource[] {
  return convSpecs(spec).map((c) => {
    const v3 = form !== 'bn' ? v3Role(c.name) : null;
    if (v3 && form === 'v3-train') return { spec: c, branches: v3TrainBranches(c, v3.owner, v3.role) };
    if (v3 || c.bn === null) return { spec: c, branches: [{ kind: 'conv-bias', weight: `${c.name}.weight`, bias: `${c.name}.bias` }] };
    return { spec: c, branches: [{ kind: 'conv-bn', weight: `${c.name}.weight`, bn: c.bn, kh: c.kh, kw: c.kw }] };
  });
}

const BN_PARAMS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** The state_dict keys and shapes of a checkpoint (without thop's total_* and BN's num_batches_tracked). */
export function expectedShapes(spec: NetSpec, form: Form): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const { spec: c, branches } of convSources(spec, form)) {
    for (const b of branches) {
      if (b.kind === 'conv-bias') {
        m.set(b.weight, c.name === 'classifier' ? [c.cout, c.cin] : [c.cout, c.cin / c.groups, c.kh, c.kw]);
        m.set(b.bias, [c.cout]);
        continue;
      }
      if (b.kind === 'conv-bn') m.set(b.weight, [c.cout, c.cin / c.groups, b.kh, b.kw]);
      for (const p of BN_PARAMS) m.set(`${b.bn}.${p}`, [c.cout]);
    }
  }
  return m;
}

/** The official GhostNetV1/V2 keys (form 'bn'). */
export const officialShapes = (spec: NetSpec) => expectedShapes(spec, 'bn');

/**
 * The official GhostNetV3 release names a branch's BN `bn` where timm says `bn1` (timm's
 * checkpoint_filter_fn renames it the same way). Returns the keys in timm's naming.
 */
export function canonicalV3Keys<T>(sd: Map<string, T>): { sd: Map<string, T>; renamed: number } {
  let renamed = 0;
  const out = new Map<string, T>();
  for (const [k, v] of sd) {
    const key = k.includes('_rpr_') ? k.replace(/\.bn\.(?=[a-z_]+$)/, '.bn1.') : k;
    if (key !== k) renamed++;
    out.set(key, v);
  }
  return { sd: renamed ? out : sd, renamed };
}

/** Version and form from the keys alone; shapes then decide the width. */
function detect(keys: Iterable<string>): { family: Family; form: Form } {
  let rpr = false;
  let deployBias = false;
  let dfc = false;
  for (const k of keys) {
    if (k.includes('_rpr_')) rpr = true;
    else if (k.endsWith('.primary_conv.0.bias')) deployBias = true;
    else if (k.includes('.short_conv.')) dfc = true;
  }
  if (rpr) return { family: 'ghostnetv3', form: 'v3-train' };
  if (deployBias) return { family: 'ghostnetv3', form: 'v3-deploy' };
  return { family: dfc ? 'ghostnetv2' : 'ghostnetv1', form: 'bn' };
}

/** The first key of the checkpoint (in its order) that the layout does not have or has with another shape; then the first missing key. */
function firstMisfit(expected: Map<string, number[]>, got: Map<string, number[]>): string | null {
  for (const [k, g] of got) {
    const shape = expected.get(k);
    if (!shape) return `unexpected key ${k}`;
    if (g.length !== shape.length || g.some((v, i) => v !== shape[i])) return `${k} has shape [${g}], expected [${shape}]`;
  }
  for (const k of expected.keys()) if (!got.has(k)) return `missing key ${k}`;
  return null;
}

export interface InferredLayout {
  spec: NetSpec;
  form: Form;
}

/**
 * Infers version, form, width and class count from a checkpoint's keys and shapes, then checks
 * every key and shape. Width comes from the final ConvBnAct (960·w channels) and is confirmed
 * against all shapes, so any width the official code can build is accepted. A checkpoint that
 * fits no layout is refused naming the first key that does not fit.
 */
export function inferLayout(shapes: Map<string, number[]>): InferredLayout {
  const { family, form } = detect(shapes.keys());
  const what = describeLayout(family, form);
  const cls = shapes.get('classifier.weight');
  const finalKey = `blocks.${CFGS.length}.0.conv.weight`;
  const fin = shapes.get(finalKey);
  if (!cls || cls.length !== 2 || !fin) {
    // Not even the head: name the first key no GhostNet of this kind has (keys do not depend on width).
    const known = expectedShapes(netSpec(1, 1000, family), form);
    const stranger = [...shapes.keys()].find((k) => !known.has(k));
    const why = stranger ? `unexpected key ${stranger}` : `missing key ${cls ? finalKey : 'classifier.weight'}`;
    throw new ArchitectureError(`checkpoint fits no GhostNet V1/V2/V3 layout (read as ${what}): ${why}`);
  }
  const numClasses = cls[0];
  const approx = fin[0] / 960;
  const candidates: number[] = [];
  for (let d = 0; d <= 8; d++) for (const s of d ? [-1, 1] : [1]) candidates.push(Math.round(approx * 100 + s * d) / 100);
  let first = '';
  for (const w of candidates) {
    if (w <= 0) continue;
    const spec = netSpec(w, numClasses, family);
    const problem = firstMisfit(expectedShapes(spec, form), shapes);
    if (!problem) return { spec, form };
    if (!first) first = problem;
  }
  throw new ArchitectureError(`checkpoint does not fit ${what} (width ≈ ${approx.toFixed(2)}, ${numClasses} classes): ${first}`);
}

/** Parameters of a checkpoint of this form (what timm and the papers count: BN affine included, running stats not). */
export function parameterCount(spec: NetSpec, form: Form): number {
  let n = 0;
  for (const [k, shape] of expectedShapes(spec, form)) if (!/running_(mean|var)$/.test(k)) n += shape.reduce((a, b) => a * b, 1);
  return n;
}
