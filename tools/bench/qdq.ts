/**
 * The int8 ONNX anchors' model: the bench's float ONNX quantized to int8 QDQ the way onnxruntime's
 * quantize_static makes it (per-channel int8 weights, uint8 activations calibrated MinMax on the
 * same calibration images as our converter; see tools/bench/qdq.py for the details), cached in
 * tmp/bench/ beside the other artifacts:
 *
 *   w10.basic.onnx      the float model after ORT's basic optimizations (constant folding of the
 *                       shape arithmetic), so the quantizer sees a static graph
 *   w10.calib.onnx      the same with every activation to calibrate as a graph output
 *   w10.ranges.json     min/max of those activations over the calibration images (onnxruntime-node)
 *   w10.qdq.onnx        the QDQ model (qdq.py quantize)
 *   w10.qdq.opt.onnx    what onnxruntime-node makes of it at graphOptimizationLevel 'all': the check
 *                       that the convolutions really run as QLinearConv
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readNpy } from '../io/npy.ts';
import { fileSha, made, ROOT, run, upToDate } from './artifacts.ts';
import { importOrt, type Ort } from './contenders/ort.ts';

export interface QdqModel {
  /** The QDQ model file. */
  path: string;
  /** Operator counts of ORT's optimized graph (QLinearConv, QLinearAdd, …; float ops left over). */
  optimizedOps: Record<string, number>;
  /** Convolutions: how many run as QLinearConv, how many are still float Conv. */
  convs: { qlinear: number; float: number };
}

interface Options {
  dir: string;
  python: string;
  onnx: string;
  calibNpy: string;
  calibCount: number;
  tag: string;
  rebuild: boolean;
  log: (line: string) => void;
}

const SCRIPT = join(ROOT, 'tools/bench/qdq.py');

async function session(ort: Ort, model: string, level: 'disabled' | 'basic' | 'all', optimizedModelFilePath?: string) {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: level,
    ...(optimizedModelFilePath ? { optimizedModelFilePath } : {}),
  });
}

/** Operator counts of an ONNX file (one Python line: onnx is there, ORT's JS API has no graph reader). */
function opCounts(python: string, model: string, logFile: string): Record<string, number> {
  run(python, ['-c', `import collections, json, onnx, sys; m = onnx.load(sys.argv[1]); print(json.dumps(collections.Counter(n.op_type for n in m.graph.node)))`, model], logFile);
  const text = readFileSync(logFile, 'utf8').trim().split('\n').pop()!;
  return JSON.parse(text) as Record<string, number>;
}

export async function prepareQdq(o: Options): Promise<QdqModel> {
  const ort = await importOrt('onnxruntime-node');
  const base = join(o.dir, `${o.tag}.basic.onnx`);
  const calib = join(o.dir, `${o.tag}.calib.onnx`);
  const ranges = join(o.dir, `${o.tag}.ranges.json`);
  const qdq = join(o.dir, `${o.tag}.qdq.onnx`);
  const opt = join(o.dir, `${o.tag}.qdq.opt.onnx`);
  const script = fileSha(SCRIPT);
  const self = fileSha(join(ROOT, 'tools/bench/qdq.ts'));

  const kBase = { onnx: fileSha(o.onnx), self };
  if (!upToDate(o, base, kBase)) {
    const t0 = performance.now();
    o.log(`  making   ${relative(ROOT, base)} (onnxruntime-node basic optimization) …`);
    await (await session(ort, o.onnx, 'basic', base)).release();
    made(o, base, kBase, 'ORT basic optimization', t0);
  }

  const kCalib = { base: fileSha(base), script };
  if (!upToDate(o, calib, kCalib)) {
    const t0 = performance.now();
    o.log(`  making   ${relative(ROOT, calib)} (qdq.py outputs) …`);
    run(o.python, [SCRIPT, 'outputs', base, calib], calib + '.log');
    made(o, calib, kCalib, 'qdq.py outputs', t0);
  }

  const kRanges = { calib: fileSha(calib), images: fileSha(o.calibNpy), count: o.calibCount, self };
  if (!upToDate(o, ranges, kRanges)) {
    const t0 = performance.now();
    o.log(`  making   ${relative(ROOT, ranges)} (MinMax calibration in onnxruntime-node, ${o.calibCount} images) …`);
    const x = readNpy(new Uint8Array(readFileSync(o.calibNpy)));
    const [n, c, h, w] = x.shape;
    const s = await session(ort, calib, 'disabled');
    const mm = new Map<string, [number, number]>();
    for (let i = 0; i < Math.min(n, o.calibCount); i++) {
      const img = x.data.slice(i * c * h * w, (i + 1) * c * h * w);
      const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', img, [1, c, h, w]) });
      for (const name of s.outputNames) {
        const d = out[name].data as Float32Array;
        let lo = Infinity,
          hi = -Infinity;
        for (let k = 0; k < d.length; k++) {
          const v = d[k];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const prev = mm.get(name);
        mm.set(name, prev ? [Math.min(prev[0], lo), Math.max(prev[1], hi)] : [lo, hi]);
      }
    }
    await s.release();
    writeFileSync(ranges, JSON.stringify(Object.fromEntries(mm), null, 1));
    made(o, ranges, kRanges, 'calibration', t0);
  }

  const kQdq = { base: fileSha(base), ranges: fileSha(ranges), script };
  if (!upToDate(o, qdq, kQdq)) {
    const t0 = performance.now();
    o.log(`  making   ${relative(ROOT, qdq)} (qdq.py quantize) …`);
    run(o.python, [SCRIPT, 'quantize', base, ranges, qdq], qdq + '.log');
    made(o, qdq, kQdq, 'qdq.py quantize', t0);
  }

  const kOpt = { qdq: fileSha(qdq), self };
  if (!upToDate(o, opt, kOpt)) {
    const t0 = performance.now();
    o.log(`  making   ${relative(ROOT, opt)} (onnxruntime-node optimized graph) …`);
    await (await session(ort, qdq, 'all', opt)).release();
    made(o, opt, kOpt, 'ORT optimized graph', t0);
  }
  const optimizedOps = opCounts(o.python, opt, opt + '.ops.log');
  return { path: qdq, optimizedOps, convs: { qlinear: optimizedOps.QLinearConv ?? 0, float: (optimizedOps.Conv ?? 0) + (optimizedOps.FusedConv ?? 0) } };
}
