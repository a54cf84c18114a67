/**
 * Where int8 loses fidelity, tensor by tensor: calibrate on the first `calib` images of a
 * normalized .npy, then over the held-out ones print for every int8 tensor
 *   sqnr   the int8 engine's tensor against the float reference (the error accumulated so far),
 *   intr   the float tensor quantized and dequantized with its own calibrated range (the noise
 *          this tensor adds by itself: rounding + clipping),
 *   rms, mean, max|x|, max/rms, clip% (values outside the range) of the float tensor, its scale and range;
 * and the logits cosine against PyTorch's logits.
 *   npx tsx tools/eval/int8-tensors.ts <checkpoint> <images.npy> <torch_logits.npy> [calib=8] [method=mse]
 */
import { basename } from 'node:path';
import { readModelFile } from '../../worker/model/format.ts';
import { writeInt8Model } from '../convert/convert.ts';
import { FloatGhostNetV2 } from '../convert/float-forward.ts';
import { sqnr } from '../convert/sqnr.ts';
import { cosine } from '../lib/cosine.ts';
import { createEngine } from '../engine-node.ts';
import { RANGE_METHODS, type RangeMethod } from '../convert/calibrate.ts';
import { existingFile, headerHelp, int, oneOf, positionalCount, toolArgs } from '../lib/args.ts';
import { loadPhotoSet } from './photo-set.ts';

const { positionals } = toolArgs('eval:int8-tensors', headerHelp(import.meta.url), { options: {}, allowPositionals: true });
const [checkpoint, imagesNpy, logitsNpy, calibS = '8', method = 'mse'] = positionalCount(positionals, 3, 5, '<checkpoint> <images.npy> <torch_logits.npy> [calib] [method]');
for (const f of [checkpoint, imagesNpy, logitsNpy]) existingFile(f);
const calib = int(calibS, 'calib', 8, 1);
oneOf(method, 'method', RANGE_METHODS);
const { ck, xs, ref, size: h } = await loadPhotoSet(checkpoint, imagesNpy, logitsNpy);
const n = xs.length;
const bytes = await writeInt8Model(ck, { name: 'a', sourceName: 'a', preprocessing: { input_size: h } }, { calibration: xs.slice(0, calib), method: method as RangeMethod });
const model = await readModelFile(bytes);
const act = (model.header.quantization as { activations: Record<string, { scale: number; zero_point: number }> }).activations;
const engine = await createEngine(model, 'simd128', true);
const net = new FloatGhostNetV2(ck.spec, ck.convs);

interface Acc {
  sq: number[];
  intr: number[];
  rms: number[];
  max: number[];
  clip: number[];
  mean: number[];
}
const acc = new Map<string, Acc>();
const cos: number[] = [];
for (let i = calib; i < n; i++) {
  const floats = new Map<string, Float32Array>();
  const out = net.forward(xs[i], (name, t) => floats.set(name, t.data.slice()));
  const q = engine.run(xs[i].data);
  cos.push(cosine(q.logits, ref[i]));
  for (const name of engine.graph.tensors.keys()) {
    const f = floats.get(name);
    if (!f) continue;
    const a = acc.get(name) ?? { sq: [], intr: [], rms: [], max: [], clip: [], mean: [] };
    acc.set(name, a);
    a.sq.push(sqnr(f, engine.tensor(name)));
    const p = act[name];
    let s2 = 0,
      m = 0,
      s = 0,
      e = 0,
      cl = 0;
    for (let j = 0; j < f.length; j++) {
      const v = f[j];
      s += v;
      s2 += v * v;
      m = Math.max(m, Math.abs(v));
      if (p) {
        let qq = Math.round(v / p.scale) + p.zero_point;
        if (qq > 127 || qq < -128) cl++;
        qq = Math.min(127, Math.max(-128, qq));
        const d = (qq - p.zero_point) * p.scale - v;
        e += d * d;
      }
    }
    a.rms.push(Math.sqrt(s2 / f.length));
    a.max.push(m);
    a.mean.push(s / f.length);
    a.intr.push(p ? 10 * Math.log10(s2 / e) : NaN);
    a.clip.push(cl / f.length);
    void out;
  }
}
const avg = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
console.log(`${basename(checkpoint)} ${method} calib ${calib}: logits cosine mean ${avg(cos).toFixed(4)} min ${Math.min(...cos).toFixed(4)}`);
console.log('   sqnr   intr     rms      mean     max   max/rms  clip%   scale      lo..hi  tensor');
for (const [name, a] of acc) {
  const p = act[name];
  const lo = p ? (-128 - p.zero_point) * p.scale : NaN,
    hi = p ? (127 - p.zero_point) * p.scale : NaN;
  console.log(
    `${avg(a.sq).toFixed(2).padStart(7)} ${avg(a.intr).toFixed(2).padStart(6)} ${avg(a.rms).toFixed(3).padStart(7)} ${avg(a.mean).toFixed(3).padStart(8)} ${Math.max(...a.max)
      .toFixed(2)
      .padStart(
        7,
      )} ${(avg(a.max) / avg(a.rms)).toFixed(1).padStart(7)} ${(100 * avg(a.clip)).toFixed(3).padStart(6)} ${p ? p.scale.toExponential(2) : '-'.padStart(8)} ${lo.toFixed(1)}..${hi.toFixed(1)}  ${name}`,
  );
}
