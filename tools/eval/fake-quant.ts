/**
 * The int8 scheme simulated in the float reference (every activation boundary quantized and
 * dequantized in place through the tap with its calibrated range; weights per-channel symmetric
 * int8), to split the int8 error by source and by place. Modes:
 *   all     logits cosine with everything quantized, with the weights only, with the activations only
 *   blocks  quantize one block (stem, blocks.i.j, head) at a time, the rest float
 *   bias    per tensor: SQNR and the share of the error energy that is a per-channel constant
 *           (what bias correction could remove)
 *   npx tsx tools/eval/fake-quant.ts <checkpoint> <images.npy> <torch_logits.npy> <calib> <mode> [eval count] [method=mse]
 */
import { basename } from 'node:path';
import { Feature, FloatGhostNetV2 } from '../convert/float-forward.ts';
import { chooseRange, collectStats, qparams, RANGE_METHODS, type QParams, type RangeMethod } from '../convert/calibrate.ts';
import { quantizeWeights } from '../convert/quantize.ts';
import { cosine } from '../lib/cosine.ts';
import type { FoldedConv } from '../convert/fold.ts';
import { existingFile, headerHelp, int, oneOf, positionalCount, toolArgs } from '../lib/args.ts';
import { loadPhotoSet } from './photo-set.ts';

const { positionals } = toolArgs('eval:fake-quant', headerHelp(import.meta.url), { options: {}, allowPositionals: true });
const [checkpoint, imagesNpy, logitsNpy, calibS = '8', mode = 'all', evalS = '0', method = 'mse'] = positionalCount(
  positionals,
  3,
  7,
  '<checkpoint> <images.npy> <torch_logits.npy> [calib] [mode] [eval count] [method]',
);
for (const f of [checkpoint, imagesNpy, logitsNpy]) existingFile(f);
const calib = int(calibS, 'calib', 8, 1);
oneOf(mode, 'mode', ['all', 'w', 'a', 'blocks', 'bias']);
const evalCount = int(evalS, 'eval count', 0);
oneOf(method, 'method', RANGE_METHODS);
const { ck, xs, ref: refs } = await loadPhotoSet(checkpoint, imagesNpy, logitsNpy);
const n = xs.length;
const evalIdx = Array.from({ length: n - calib }, (_, j) => calib + j).slice(0, evalCount || n);
const net = new FloatGhostNetV2(ck.spec, ck.convs);
const stats = collectStats(net, xs.slice(0, calib));
const act = new Map<string, QParams>([...stats].filter(([nm]) => nm !== 'classifier').map(([nm, s]) => [nm, chooseRange(s, method as RangeMethod)]));
const seen = stats.get('input')!;
act.set('input', qparams(seen.min, seen.max)); // the converter uses the normalization's whole range, a little wider

const qconvs = new Map<string, FoldedConv>();
for (const [name, cv] of ck.convs) {
  const { weight, scale } = quantizeWeights(cv);
  const per = weight.length / cv.spec.cout;
  const wq = new Float32Array(weight.length);
  for (let i = 0; i < weight.length; i++) wq[i] = weight[i] * scale[Math.floor(i / per)];
  qconvs.set(name, { ...cv, weight: wq });
}

function fq(t: Feature, p: QParams) {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const q = Math.min(127, Math.max(-128, Math.round(d[i] / p.scale) + p.zero_point));
    d[i] = (q - p.zero_point) * p.scale;
  }
}

/** Block of a tensor or conv name: 'stem', 'blocks.i.j', 'head'. */
const blockOf = (name: string) => (name.startsWith('blocks.') ? name.split('.').slice(0, 3).join('.') : name === 'conv_stem' || name === 'input' ? 'stem' : 'head');
const groups = [...new Set([...ck.convs.keys()].map(blockOf))];

function run(x: Feature, qa: (name: string) => boolean, qw: (name: string) => boolean, rec?: Map<string, Feature>) {
  const convs = new Map([...ck.convs].map(([nm, cv]) => [nm, qw(nm) ? qconvs.get(nm)! : cv]));
  const m = new FloatGhostNetV2(ck.spec, convs);
  const xx = new Feature(x.c, x.h, x.w, x.data.slice());
  return m.forward(xx, (name, t) => {
    const p = act.get(name);
    if (p && qa(name)) fq(t, p);
    rec?.set(name, new Feature(t.c, t.h, t.w, t.data.slice()));
  }).logits;
}

const ref = (i: number) => refs[i];
const meanCos = (qa: (n: string) => boolean, qw: (n: string) => boolean) => {
  const cs = evalIdx.map((i) => cosine(run(xs[i], qa, qw), ref(i)));
  return cs.reduce((a, b) => a + b, 0) / cs.length;
};
const yes = () => true,
  no = () => false;
console.log(`${basename(checkpoint)} calib ${calib} ${method}, eval on ${evalIdx.length}; float cos ${meanCos(no, no).toFixed(5)}`);
if (mode === 'all' || mode === 'w' || mode === 'a') {
  console.log(`all ${meanCos(yes, yes).toFixed(4)}  weights-only ${meanCos(no, yes).toFixed(4)}  acts-only ${meanCos(yes, no).toFixed(4)}`);
} else if (mode === 'blocks') {
  for (const g of groups) {
    const inG = (nm: string) => blockOf(nm) === g;
    console.log(`${meanCos(inG, inG).toFixed(4)}  only ${g}`);
  }
} else if (mode === 'bias') {
  // per tensor: share of the (fake-quant all) error energy that is a per-channel constant (spatial mean per image)
  const acc = new Map<string, { e: number; b: number; s: number }>();
  for (const i of evalIdx) {
    const rf = new Map<string, Feature>(),
      rq = new Map<string, Feature>();
    run(xs[i], no, no, rf);
    run(xs[i], yes, yes, rq);
    for (const [nm, f] of rf) {
      const q = rq.get(nm)!.data;
      const a = acc.get(nm) ?? { e: 0, b: 0, s: 0 };
      acc.set(nm, a);
      const hw = f.h * f.w;
      for (let ch = 0; ch < f.c; ch++) {
        let m = 0;
        for (let j = ch * hw; j < (ch + 1) * hw; j++) {
          const d = q[j] - f.data[j];
          m += d;
          a.e += d * d;
          a.s += f.data[j] * f.data[j];
        }
        a.b += (m * m) / hw;
      }
    }
  }
  for (const [nm, a] of acc) console.log(`${(10 * Math.log10(a.s / a.e)).toFixed(2).padStart(7)} dB  mean-share ${((100 * a.b) / a.e).toFixed(1).padStart(5)}%  ${nm}`);
}
