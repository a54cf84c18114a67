/**
 * The float32 reference forward pass of GhostNetV2, written to be read, not to be fast.
 * It is the oracle for the int8 engine and the engine calibration runs on.
 * Layout: one image, CHW. Every tensor that is a boundary of the int8 graph is reported to `tap`
 * under the name models/FORMAT.md gives it, so calibration sees exactly what the engine quantizes.
 */
import type { NetSpec, GhostSpec, BlockSpec } from '../../worker/model/architecture.ts';
import type { FoldedConv } from './fold.ts';

export class Feature {
  constructor(
    readonly c: number,
    readonly h: number,
    readonly w: number,
    readonly data: Float32Array = new Float32Array(c * h * w),
  ) {}
}

export type Tap = (name: string, t: Feature) => void;

export interface FloatOutput {
  logits: Float32Array;
  features: Float32Array; // 1280-d, after conv_head + ReLU
}

/**
 * Conv2d with zero padding k//2 (the official padding everywhere), groups, stride, bias.
 * Each output value is bias + Σ over (input channel, ky, kx) of w·x in that order, accumulated
 * in float64 and stored as float32, skipping the taps that fall in the padding. The loops run tap
 * by tap over a whole output plane (same additions in the same order per output value as the
 * plain per-pixel loop, so the same bits, without a bounds test per multiply-add).
 */
export function conv2d(x: Feature, p: FoldedConv, relu: boolean): Feature {
  const { cout, kh, kw, stride, groups } = p.spec;
  const ph = kh >> 1;
  const pw = kw >> 1;
  const oh = Math.floor((x.h + 2 * ph - kh) / stride) + 1;
  const ow = Math.floor((x.w + 2 * pw - kw) / stride) + 1;
  const y = new Feature(cout, oh, ow);
  const cinPerGroup = x.c / groups;
  const coutPerGroup = cout / groups;
  const acc = new Float64Array(oh * ow);
  // Output rows (columns) whose tap ky (kx) lands inside the input: 0 <= o*stride + k - pad < size.
  const valid = (k: number, pad: number, size: number, out: number) => [Math.max(0, Math.ceil((pad - k) / stride)), Math.min(out, Math.floor((size - 1 + pad - k) / stride) + 1)];
  const rows = Array.from({ length: kh }, (_, ky) => valid(ky, ph, x.h, oh));
  const cols = Array.from({ length: kw }, (_, kx) => valid(kx, pw, x.w, ow));
  for (let o = 0; o < cout; o++) {
    const g = Math.floor(o / coutPerGroup);
    acc.fill(p.bias[o]);
    for (let ci = 0; ci < cinPerGroup; ci++) {
      const plane = (g * cinPerGroup + ci) * x.h * x.w;
      for (let ky = 0; ky < kh; ky++) {
        const [oy0, oy1] = rows[ky];
        for (let kx = 0; kx < kw; kx++) {
          const [ox0, ox1] = cols[kx];
          const wv = p.weight[((o * cinPerGroup + ci) * kh + ky) * kw + kx];
          if (stride === 1 && kx === pw && ow === x.w) {
            // whole rows, contiguous in input and output (every 1x1 conv): one flat loop
            const shift = plane + (ky - ph) * x.w;
            for (let i = oy0 * ow; i < oy1 * ow; i++) acc[i] += wv * x.data[shift + i];
            continue;
          }
          for (let oy = oy0; oy < oy1; oy++) {
            const row = plane + (oy * stride + ky - ph) * x.w + kx - pw;
            const a = oy * ow;
            for (let ox = ox0; ox < ox1; ox++) acc[a + ox] += wv * x.data[row + ox * stride];
          }
        }
      }
    }
    const out = o * oh * ow;
    for (let i = 0; i < acc.length; i++) y.data[out + i] = relu && acc[i] < 0 ? 0 : acc[i];
  }
  return y;
}

/** avg_pool2d(kernel 2, stride 2): odd sizes floor, so 7x7 becomes 3x3. */
export function avgPool2x2(x: Feature): Feature {
  const oh = x.h >> 1;
  const ow = x.w >> 1;
  const y = new Feature(x.c, oh, ow);
  for (let c = 0; c < x.c; c++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const at = (dy: number, dx: number) => x.data[(c * x.h + 2 * oy + dy) * x.w + 2 * ox + dx];
        y.data[(c * oh + oy) * ow + ox] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
      }
  return y;
}

/** Nearest upsample as F.interpolate(mode='nearest'): src = floor(dst * in / out). */
export function nearestIndex(dst: number, inSize: number, outSize: number): number {
  return Math.min(Math.floor(dst * (inSize / outSize)), inSize - 1);
}

export function globalAvgPool(x: Feature): Feature {
  const y = new Feature(x.c, 1, 1);
  const n = x.h * x.w;
  for (let c = 0; c < x.c; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[c * n + i];
    y.data[c] = s / n;
  }
  return y;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const hardSigmoid = (v: number) => Math.min(Math.max(v + 3, 0), 6) / 6;

export class FloatGhostNetV2 {
  constructor(
    readonly spec: NetSpec,
    private readonly convs: Map<string, FoldedConv>,
  ) {}

  private conv(name: string, x: Feature, relu: boolean): Feature {
    const p = this.convs.get(name);
    if (!p) throw new Error(`no conv ${name}`);
    return conv2d(x, p, relu);
  }

  private ghost(g: GhostSpec, x: Feature, tap: Tap): Feature {
    const x1 = this.conv(`${g.name}.primary_conv.0`, x, g.relu);
    const x2 = this.conv(`${g.name}.cheap_operation.0`, x1, g.relu);
    // concat([x1, x2])[:oup]: x1 whole, then the first oup - init channels of x2.
    const out = new Feature(g.oup, x1.h, x1.w);
    out.data.set(x1.data);
    out.data.set(x2.data.subarray(0, (g.oup - g.init) * x1.h * x1.w), x1.data.length);
    if (!g.dfc) {
      tap(g.name, out);
      return out;
    }
    tap(`${g.name}.concat`, out);
    const pooled = avgPool2x2(x);
    tap(`${g.name}.pool`, pooled);
    let s = this.conv(`${g.name}.short_conv.0`, pooled, false);
    tap(`${g.name}.short_conv.0`, s);
    s = this.conv(`${g.name}.short_conv.2`, s, false);
    tap(`${g.name}.short_conv.2`, s);
    s = this.conv(`${g.name}.short_conv.4`, s, false);
    tap(`${g.name}.short_conv.4`, s);
    for (let c = 0; c < out.c; c++)
      for (let y = 0; y < out.h; y++) {
        const sy = nearestIndex(y, s.h, out.h);
        for (let xx = 0; xx < out.w; xx++) {
          const sx = nearestIndex(xx, s.w, out.w);
          out.data[(c * out.h + y) * out.w + xx] *= sigmoid(s.data[(c * s.h + sy) * s.w + sx]);
        }
      }
    tap(g.name, out);
    return out;
  }

  private block(b: BlockSpec, x: Feature, tap: Tap): Feature {
    let y = this.ghost(b.ghost1, x, tap);
    if (b.stride > 1) {
      y = this.conv(`${b.name}.conv_dw`, y, false);
      tap(`${b.name}.conv_dw`, y);
    }
    if (b.seReduced) {
      const pooled = globalAvgPool(y);
      tap(`${b.name}.se.pool`, pooled);
      const r = this.conv(`${b.name}.se.conv_reduce`, pooled, true);
      tap(`${b.name}.se.conv_reduce`, r);
      const e = this.conv(`${b.name}.se.conv_expand`, r, false);
      tap(`${b.name}.se.conv_expand`, e);
      const n = y.h * y.w;
      const scaled = new Feature(y.c, y.h, y.w);
      for (let c = 0; c < y.c; c++) {
        const g = hardSigmoid(e.data[c]);
        for (let i = 0; i < n; i++) scaled.data[c * n + i] = y.data[c * n + i] * g;
      }
      y = scaled;
      tap(`${b.name}.se`, y);
    }
    y = this.ghost(b.ghost2, y, tap);
    let shortcut = x;
    if (b.convShortcut) {
      shortcut = this.conv(`${b.name}.shortcut.0`, x, false);
      tap(`${b.name}.shortcut.0`, shortcut);
      shortcut = this.conv(`${b.name}.shortcut.2`, shortcut, false);
      tap(`${b.name}.shortcut.2`, shortcut);
    }
    const out = new Feature(y.c, y.h, y.w);
    for (let i = 0; i < out.data.length; i++) out.data[i] = y.data[i] + shortcut.data[i];
    tap(b.name, out);
    return out;
  }

  /** x: normalized CHW image [3, H, W]. */
  forward(x: Feature, tap: Tap = () => {}): FloatOutput {
    tap('input', x);
    let y = this.conv('conv_stem', x, true);
    tap('conv_stem', y);
    for (const b of this.spec.blocks) y = this.block(b, y, tap);
    y = this.conv(`${this.spec.finalName}.conv`, y, true);
    tap(this.spec.finalName, y);
    const pooled = globalAvgPool(y);
    tap('global_pool', pooled);
    const features = this.conv('conv_head', pooled, true);
    tap('conv_head', features);
    const logits = this.conv('classifier', features, false);
    tap('classifier', logits);
    return { logits: logits.data, features: features.data };
  }
}
