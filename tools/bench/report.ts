/** Machine info, the results table and the JSON report. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';
import type { Peak } from './peak.ts';
import type { ClassProfile, EngineProfile } from './profile.ts';
import type { Ratio, Summary } from './stats.ts';

export interface Machine {
  cpu: string;
  cores: number;
  flags: string[]; // SIMD-relevant CPU flags
  memGiB: number;
  loadavg: number[];
  /** Load average when the report was written (the bench's own load included). */
  loadavgAfter?: number[];
  node: string;
  v8: string;
  platform: string;
  git?: string;
}

export function machineInfo(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  let flags: string[] = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    const all = (/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/);
    flags = all.filter((f) => /^(sse4_2|avx|avx2|fma|avx512f|avx512_vnni|avx_vnni|amx_\w+)$/.test(f));
  } catch {
    /* not Linux */
  }
  let git: string | undefined;
  try {
    git = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) git += ' (uncommitted changes)';
  } catch {
    /* not a checkout */
  }
  return {
    cpu,
    cores: cpus().length,
    flags,
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.versions.node,
    v8: process.versions.v8,
    platform: `${process.platform}/${process.arch}`,
    git,
  };
}

export interface Row {
  id: string;
  label: string;
  summary: Summary;
  /** Time ratio to each anchor that ran: median(this) / median(anchor); < 1 = faster than the anchor. */
  ratios: Record<string, Ratio>;
  /** min(this) / min(anchor): the best-case ratio, less sensitive to other load on the machine. */
  minRatios: Record<string, number>;
}

export interface Agreement {
  id: string;
  reference: string;
  top1: number;
  referenceTop1: number;
  top1Match: boolean;
  cosine: number;
  maxAbsDiff: number;
}

export interface Report {
  date: string;
  setting: Record<string, unknown>;
  machine: Machine;
  options: Record<string, unknown>;
  anchors: string[];
  rows: Row[];
  contenders: Record<string, Record<string, unknown>>;
  skipped: Record<string, string>;
  notes: string[];
  agreement: Agreement[];
  profile?: EngineProfile & { runMedianMs?: number };
  /** The --baseline engine's profile, same model and input, profiled in alternation with this build's (alternatedProfile). */
  baselineProfile?: EngineProfile & { runMedianMs?: number };
  /**
   * With --baseline: this build's profile in that alternation (the before/after ratios come from these
   * two); `profile` is this build profiled alone afterwards, as without --baseline (docs/KERNELS.md).
   */
  alternatedProfile?: EngineProfile & { runMedianMs?: number };
  /** The dot-product peak of this process (tools/bench/peak.ts), measured before and after the timed rounds. */
  peak?: { gmacs: number; before: Peak; after: Peak; relaxed?: Peak };
  /** Every sample, in run order, for re-analysis. */
  samples: Record<string, number[]>;
}

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');

function table(head: string[], rows: string[][], rightFrom = 1): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => pad(c, w[i], i >= rightFrom)).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** A GitHub-flavoured markdown table; columns from `rightFrom` on are right-aligned. */
export function markdownTable(head: string[], rows: string[][], rightFrom = 1): string {
  const esc = (c: string) => c.replaceAll('|', '\\|');
  const line = (r: string[]) => `| ${r.map(esc).join(' | ')} |`;
  return [line(head), `|${head.map((_, i) => (i >= rightFrom ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join('\n');
}

export function formatRatio(r: Ratio | undefined): string {
  if (!r) return '–';
  const ci = Number.isFinite(r.lo) ? ` [${r.lo.toFixed(2)}–${r.hi.toFixed(2)}]` : '';
  return `${r.ratio.toFixed(2)}${ci}`;
}

export const ANCHOR_NAMES: Record<string, string> = {
  'ort-web': 'onnxruntime-web',
  'ort-node': 'onnxruntime-node',
  'ort-web-int8': 'onnxruntime-web int8',
  'ort-node-int8': 'onnxruntime-node int8',
  torch: 'PyTorch',
};

export function formatResults(rep: Report): string {
  const head = ['contender', 'median ms', 'min', 'max', 'p10–p90', 'n', ...rep.anchors.map((a) => `÷ ${ANCHOR_NAMES[a] ?? a}`)];
  const rows = rep.rows.map((r) => [
    r.label,
    f(r.summary.median, 2),
    f(r.summary.min, 2),
    f(r.summary.max, 2),
    `${f(r.summary.p10)}–${f(r.summary.p90)}`,
    String(r.summary.n),
    ...rep.anchors.map((a) => (a === r.id ? '1 (anchor)' : formatRatio(r.ratios[a]))),
  ]);
  return table(head, rows);
}

/** GMAC/s as a percentage of the peak. */
const pct = (gmacs: number | null, peak: number | undefined) => (gmacs === null || !peak ? '–' : `${f((100 * gmacs) / peak)}%`);

function classTable(cs: ClassProfile[], peak: number | undefined, first: string): string {
  const head = [first, 'ops', 'MMAC', 'ms', 'share', 'GMAC/s', '% of peak'];
  const rows = cs.map((c) => [c.name, c.ops ? String(c.ops) : '', c.macs ? f(c.macs / 1e6, 2) : '–', f(c.ms, 3), `${f(c.share * 100)}%`, c.gmacs === null ? '–' : f(c.gmacs, 2), pct(c.gmacs, peak)]);
  return table(head, rows);
}

/** Per class: baseline and current ms and GMAC/s, and the speed-up. */
export function formatComparison(before: EngineProfile, after: EngineProfile, peak: number): string {
  const names = [...new Set([...before.classes.map((c) => c.name), ...after.classes.map((c) => c.name)])];
  const head = ['class', 'before ms', 'GMAC/s', '% peak', 'after ms', 'GMAC/s', '% peak', 'speed-up'];
  const rows = names.map((n) => {
    const b = before.classes.find((c) => c.name === n);
    const a = after.classes.find((c) => c.name === n);
    const g = (c?: ClassProfile) => (c?.gmacs == null ? '–' : f(c.gmacs, 2));
    return [n, b ? f(b.ms, 3) : '–', g(b), pct(b?.gmacs ?? null, peak), a ? f(a.ms, 3) : '–', g(a), pct(a?.gmacs ?? null, peak), a && b ? `${f(b.ms / a.ms, 2)}×` : '–'];
  });
  // The sum of the per-op medians is what the peak share is judged on (issue #11); the total adds the
  // time outside the ops (a difference of medians, noisy), so it gets a speed-up but no GMAC/s.
  const gb = before.totalMacs / (before.totalMs * 1e6),
    ga = after.totalMacs / (after.totalMs * 1e6);
  rows.push(['Σ per-op medians', f(before.totalMs, 3), f(gb, 2), pct(gb, peak), f(after.totalMs, 3), f(ga, 2), pct(ga, peak), `${f(before.totalMs / after.totalMs, 2)}×`]);
  const tb = before.totalMs + before.outsideOpsMs,
    ta = after.totalMs + after.outsideOpsMs;
  rows.push(['total (ops + outside)', f(tb, 3), '–', '–', f(ta, 3), '–', '–', `${f(tb / ta, 2)}×`]);
  return table(head, rows);
}

export function formatPeak(peak: NonNullable<Report['peak']>): string {
  const r = peak.relaxed ? `; relaxed_dot_i8x16_i7x16_add_s ${f(peak.relaxed.gmacs, 1)}` : '';
  return `dot peak of this process: ${f(peak.gmacs, 1)} GMAC/s (${peak.before.instruction}; best of ${peak.before.trials} × ${peak.before.trialMs} ms trials, before the rounds ${f(peak.before.gmacs, 1)} [median ${f(peak.before.median, 1)}], after ${f(peak.after.gmacs, 1)} [median ${f(peak.after.median, 1)}])${r}`;
}

export function formatProfile(p: EngineProfile & { runMedianMs?: number }, peak?: number): string {
  const out: string[] = [];
  if (p.classes) {
    out.push(classTable(p.classes, peak, 'class'));
    const total = p.totalMacs / (p.totalMs * 1e6);
    out.push(`whole network (sum of per-op medians): ${f(p.totalMacs / 1e6)} MMAC in ${f(p.totalMs, 3)} ms = ${f(total, 2)} GMAC/s = ${pct(total, peak)} of the dot peak`);
    out.push('\ndepthwise by shape (C×H×W of the output, kernel, stride; summed over the layers of each shape):');
    out.push(classTable(p.depthwiseShapes, peak, 'shape'));
    out.push('\nby op kind:');
  }
  const head = ['family', 'ops', 'MMAC', 'ms', 'share', 'GMAC/s'];
  const rows = p.families.map((fam) => [fam.family, String(fam.ops), fam.macs ? f(fam.macs / 1e6) : '–', f(fam.ms, 3), `${f(fam.share * 100)}%`, fam.gmacs === null ? '–' : f(fam.gmacs, 2)]);
  rows.push(['total', String(p.ops.length), f(p.totalMacs / 1e6), f(p.totalMs, 3), '100%', f(p.totalMacs / (p.totalMs * 1e6), 2)]);
  out.push(table(head, rows));
  // The pointwise family mixes spatial 1x1 convs (GEMM) and 1-pixel ones (SE, conv_head: GEMV).
  const pw = p.ops.filter((o) => o.kind === 'pointwise');
  const one = pw.filter((o) => o.shape.startsWith('1x1 '));
  if (one.length && one.length < pw.length) {
    const sp = pw.filter((o) => !o.shape.startsWith('1x1 '));
    const g = (xs: typeof pw) => xs.reduce((s, o) => s + o.macs, 0) / (xs.reduce((s, o) => s + o.ms, 0) * 1e6);
    out.push(`pointwise split: spatial ${sp.length} ops ${f(g(sp), 2)} GMAC/s; 1-pixel (SE reduce/expand, conv_head) ${one.length} ops ${f(g(one), 2)} GMAC/s`);
  }
  const top = [...p.ops].sort((a, b) => b.ms - a.ms).slice(0, 8);
  out.push('slowest ops: ' + top.map((o) => `${o.name} [${o.kind} ${o.shape}] ${f(o.ms, 3)} ms${o.macs ? ` ${f(o.macs / (o.ms * 1e6), 2)} GMAC/s` : ''}`).join('\n             '));
  out.push(
    `sum of per-op medians ${f(p.totalMs, 2)} ms (a per-op median drops most preemption by other processes, so this sum runs below a whole-run median on a busy machine)` +
      (p.opSumMedianMs !== undefined ? `; median of the per-run sums of the op times ${f(p.opSumMedianMs, 2)} ms (the same runs, summed run by run)` : '') +
      `; outside the ops ${f(p.outsideOpsMs, 2)} ms (median of profile() wall − Σ ops: input quantization, glue, timers)`,
  );
  out.push(
    `run() alternated with profile(): median ${f(p.runBackToBackMs, 2)} ms, min ${f(p.runBackToBackMinMs, 2)} ms` +
      (p.runMedianMs !== undefined ? `; run() interleaved with the other contenders: median ${f(p.runMedianMs, 2)} ms` : ''),
  );
  const mb = p.memoryBytes / 2 ** 20;
  out.push(`WASM linear memory: ${p.memoryBytes} bytes = ${f(mb, 2)} MiB (target < 16 MiB: ${mb < 16 ? 'met' : 'NOT met'})`);
  return out.join('\n');
}

export function formatMachine(m: Machine): string {
  return [
    `machine: ${m.cpu}, ${m.cores} cores [${m.flags.join(' ')}], ${m.memGiB} GiB, load ${m.loadavg.join(' ')}`,
    `runtime: Node ${m.node} (V8 ${m.v8}) ${m.platform}${m.git ? `, git ${m.git}` : ''}`,
  ].join('\n');
}
