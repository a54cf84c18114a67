/**
 * The pointwise (1x1 conv GEMM) micro-benchmark's jobs, environment-agnostic (Node and workerd):
 * every distinct 1x1 shape of GhostNetV2-1.0 at 224 (tools/bench/layers.ts), the stem GEMM after
 * im2col and im2col itself, each prepared in every build, checked byte for byte against the build's
 * reference, timed with interleaved samples, and reported as GMAC/s. The CLI is pointwise.ts.
 */
import { firstDifference, Harness, type BuildExports } from '../lib/harness.ts';
import { median } from '../lib/median.ts';
import { Rng } from '../lib/rng.ts';
import { pointwiseLayers } from './layers.ts';
import { defaultPointwiseTiles } from '../../worker/kernels.ts';

export interface BenchOptions {
  samples: number;
  /** minimum duration of one sample of the fastest build, ms */
  minSampleMs: number;
  /** only shapes whose "cin,cout,pixels" key contains this */
  filter?: string;
}

interface Job {
  key: string;
  label: string;
  cin: number;
  cout: number;
  pixels: number;
  xStride: number;
  f32: boolean;
  layers: number;
  macs: number; // per call (cin x cout x pixels, without padding)
  inTotal: boolean;
  im2col?: boolean;
}

function jobs(filter?: string): Job[] {
  const m = new Map<string, Job>();
  for (const { cin, cout, pixels, f32 } of pointwiseLayers()) {
    const key = `${cin},${cout},${pixels}`;
    const j = m.get(key) ?? { key, label: `${cin}->${cout} @${pixels}`, cin, cout, pixels, xStride: cin, f32, layers: 0, macs: cin * cout * pixels, inTotal: true };
    j.layers++;
    m.set(key, j);
  }
  const out = [...m.values()];
  out.push({ key: 'stem', label: 'stem 27->16 @12544', cin: 27, cout: 16, pixels: 12544, xStride: 32, f32: false, layers: 1, macs: 27 * 16 * 12544, inTotal: false });
  out.push({ key: 'im2col', label: 'im2col 224x224', cin: 0, cout: 0, pixels: 0, xStride: 0, f32: false, layers: 1, macs: 0, inTotal: false, im2col: true });
  return filter ? out.filter((j) => filter.split('|').some((f) => j.key.includes(f))) : out;
}

/**
 * Sets a build's SIMD128 pointwise tile form (pointwise_tiles; builds without the export are left as
 * they are): `tiles`, else what Int8Engine.prepare picks on this host (worker/kernels.ts defaultPointwiseTiles).
 */
export function setPointwiseTiles(ex: BuildExports, tiles?: 'splat' | 'shuffle'): void {
  const f = (ex as unknown as { pointwise_tiles?: (request: number) => number }).pointwise_tiles;
  f?.((tiles ?? defaultPointwiseTiles()) === 'shuffle' ? 1 : 2);
}

/** Prepares one job in one build; returns a runner of `reps` calls and a checker against the reference. */
function prepare(ex: BuildExports, j: Job): { run: (reps: number) => void; check: () => string | null } {
  const h = new Harness(ex);
  const rng = new Rng(j.cin * 65536 + j.cout);
  const same = (p: number, q: number, n: number) => firstDifference(h.bytes(p, n), h.bytes(q, n));
  if (j.im2col) {
    const H = 224,
      W = 224,
      n = 112 * 112 * 32;
    const x = h.put(rng.i8(H * W * 3));
    const d1 = h.out(n),
      d2 = h.out(n);
    const f = h.fn('im2col_3x3s2');
    return {
      run: (reps) => {
        for (let r = 0; r < reps; r++) f(x, H, W, -3, d1);
      },
      check: () => {
        f(x, H, W, -3, d1);
        h.fn('im2col_3x3s2_reference')(x, H, W, -3, d2);
        const d = same(d1, d2, n);
        return d < 0 ? null : `im2col differs from the reference at byte ${d}`;
      },
    };
  }
  const { cin, cout, pixels, xStride, f32 } = j;
  const x = h.put(rng.i8(pixels * xStride));
  const w = h.put(rng.i8(cin * cout, -127, 127));
  const bias = h.put(Int32Array.from({ length: cout }, (_, o) => ((o * 7919) % 20001) - 10000));
  const scale = h.put(Float32Array.from({ length: cout }, (_, o) => 1e-3 * (1 + (o % 10))));
  const packed = h.out(h.fn('pointwise_packed_size')(cin, cout) as number);
  h.fn('pointwise_pack')(w, cin, cout, packed);
  const n = pixels * cout * (f32 ? 4 : 1);
  const y = h.out(n),
    y2 = h.out(n);
  const f = h.fn(f32 ? 'pointwise_f32' : 'pointwise');
  const call = f32 ? (out: number) => f(x, pixels, cin, xStride, packed, bias, scale, cout, out, cout) : (out: number) => f(x, pixels, cin, xStride, packed, bias, scale, cout, out, cout, -5, -5, 127);
  return {
    run: (reps) => {
      for (let r = 0; r < reps; r++) call(y);
    },
    check: () => {
      call(y);
      const ref = h.fn(f32 ? 'pointwise_f32_reference' : 'pointwise_reference');
      if (f32) ref(x, pixels, cin, xStride, w, bias, scale, cout, y2, cout);
      else ref(x, pixels, cin, xStride, w, bias, scale, cout, y2, cout, -5, -5, 127);
      const d = same(y, y2, n);
      return d < 0 ? null : `${j.label}: pointwise differs from the reference at byte ${d}`;
    },
  };
}

export interface JobResult {
  key: string;
  label: string;
  layers: number;
  macs: number;
  inTotal: boolean;
  im2col: boolean;
  /** per build: median and minimum ms per call */
  median: number[];
  min: number[];
}

/** The benchmark's job keys (distinct shapes, stem GEMM, im2col), optionally filtered by substring. */
export function jobKeys(filter?: string): string[] {
  return jobs(filter).map((j) => j.key);
}

/** A job prepared in every build: `runs[b](reps)` runs build b; `release()` frees the memory. */
export interface PreparedJob {
  job: JobResult;
  runs: ((reps: number) => void)[];
  /** ms per call of the fastest build, after warm-up (for choosing reps) */
  perRep: number;
  release(): void;
}

/**
 * Prepares one job (by exact key) in every build, checks each build's output against its
 * pointwise_reference, warms up (tier-up, caches) and calibrates: doubles reps until a run spans at
 * least `calibrateMs` (robust to millisecond clocks such as workerd's).
 */
export function prepareJob(builds: { name: string; ex: BuildExports }[], key: string, calibrateMs: number, now: () => number): PreparedJob {
  const j = jobs().find((q) => q.key === key);
  if (!j) throw new Error(`no benchmark job ${key}`);
  const marks = builds.map((b) => b.ex.mark());
  const release = () => builds.forEach((b, i) => b.ex.release(marks[i]));
  try {
    const runs = builds.map((b) => prepare(b.ex, j));
    runs.forEach((r, i) => {
      const err = r.check();
      if (err) throw new Error(`${err} (${builds[i].name})`);
    });
    let perRep = Infinity;
    for (const r of runs) {
      const t0 = now();
      let k = 0;
      while (k < 3 || now() - t0 < 20) {
        r.run(1);
        k++;
      }
      let n = 1;
      for (;;) {
        const t1 = now();
        r.run(n);
        const dt = now() - t1;
        if (dt >= calibrateMs || n >= 1 << 24) {
          perRep = Math.min(perRep, dt / n);
          break;
        }
        n *= 2;
      }
    }
    return {
      job: { key: j.key, label: j.label, layers: j.layers, macs: j.macs, inTotal: j.inTotal, im2col: !!j.im2col, median: [], min: [] },
      runs: runs.map((r) => r.run),
      perRep,
      release,
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** Measures one job in every build with interleaved samples (build order rotated every sample). */
export function benchJob(builds: { name: string; ex: BuildExports }[], key: string, opt: BenchOptions, now: () => number): JobResult {
  const p = prepareJob(builds, key, opt.minSampleMs / 4, now);
  try {
    const reps = Math.max(1, Math.ceil(opt.minSampleMs / p.perRep));
    const times: number[][] = p.runs.map(() => []);
    for (let s = 0; s < opt.samples; s++) {
      for (let i = 0; i < p.runs.length; i++) {
        const b = (i + s) % p.runs.length;
        const t0 = now();
        p.runs[b](reps);
        times[b].push((now() - t0) / reps);
      }
    }
    return { ...p.job, median: times.map(median), min: times.map((t) => Math.min(...t)) };
  } finally {
    p.release();
  }
}

/** Formats results as the report: GMAC/s per shape and the total over all 1x1 layers. */
export class Report {
  private total: number[];
  private totalMin: number[];
  private totalMacs = 0;
  constructor(
    private names: string[],
    samples: number,
    private print: (line: string) => void,
  ) {
    this.total = names.map(() => 0);
    this.totalMin = names.map(() => 0);
    print(`pointwise: ${samples} interleaved samples per shape, median; GMAC/s per shape (min-time GMAC/s in brackets)`);
    print(`${'shape'.padEnd(22)}${'layers'.padStart(7)}${'MMAC'.padStart(8)}  ${names.map((n) => (n + ' GMAC/s').padStart(24)).join('')}`);
  }
  add(r: JobResult): void {
    const mmac = r.im2col ? 0 : r.macs / 1e6;
    const cells = r.median.map((m, b) => (r.im2col ? `${(m * 1000).toFixed(1)} us` : `${(mmac / m).toFixed(2)} [${(mmac / r.min[b]).toFixed(2)}]`).padStart(24));
    this.print(`${r.label.padEnd(22)}${String(r.layers).padStart(7)}${mmac.toFixed(2).padStart(8)}  ${cells.join('')}${r.inTotal ? '' : '   (not in total)'}`);
    if (r.inTotal) {
      this.totalMacs += r.macs * r.layers;
      r.median.forEach((m, b) => {
        this.total[b] += m * r.layers;
      });
      r.min.forEach((m, b) => {
        this.totalMin[b] += m * r.layers;
      });
    }
  }
  finish(): void {
    if (!this.totalMacs) return;
    this.print(`all 1x1 layers (${(this.totalMacs / 1e6).toFixed(1)} MMAC): sum over layers of the median time per call`);
    this.names.forEach((n, b) =>
      this.print(`  ${n.padEnd(10)} ${this.total[b].toFixed(3)} ms  = ${(this.totalMacs / this.total[b] / 1e6).toFixed(2)} GMAC/s   (sum of per-shape minima: ${this.totalMin[b].toFixed(3)} ms)`),
    );
  }
}

/** Runs the whole benchmark in this environment and prints the report. */
export function benchPointwise(builds: { name: string; ex: BuildExports }[], opt: BenchOptions, now: () => number, print: (line: string) => void): void {
  const report = new Report(
    builds.map((b) => b.name),
    opt.samples,
    print,
  );
  for (const key of jobKeys(opt.filter)) report.add(benchJob(builds, key, opt, now));
  report.finish();
}
