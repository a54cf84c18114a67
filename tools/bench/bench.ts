/**
 * `npm run bench`: GhostNetV2-1.0 at 224x224, batch 1, ONE thread for every contender, same weights,
 * same input. Contenders run interleaved round-robin (one inference of each per round, the order
 * rotated every round, or shuffled: --order) after an interleaved warm-up, and speed is reported only as ratios of
 * medians against the anchors measured in the same run (onnxruntime-web, onnxruntime-node, PyTorch).
 *
 *   npm run bench -- [--samples 30] [--warmup 10] [--scalar-samples 10] [--only ids] [--json FILE]
 *                    [--profile-runs 30] [--checkpoint FILE] [--python /usr/bin/python3] [--rebuild]
 *                    [--model FILE[,FILE...]] [--order rotate|shuffle]
 *
 * Contender ids: edge-simd128, edge-scalar, edge-relaxed, ort-web, ort-node, ort-web-int8, ort-node-int8 (the
 * same weights as an int8 QDQ model, tools/bench/qdq.ts), torch.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readNpy } from '../io/npy.ts';
import { exitWithError, int, UsageError } from '../lib/args.ts';
import { prepareArtifacts, ROOT } from './artifacts.ts';
import { createEdge, relaxedUnsupportedReason, type EdgeContender } from './contenders/ghostnet-edge.ts';
import { createOrtNode } from './contenders/ort-node.ts';
import { createOrtWeb } from './contenders/ort-web.ts';
import { createTorch } from './contenders/torch.ts';
import { Skip, type BenchInputs, type Contender } from './contenders/types.ts';
import { dotPeak, relaxedDotPeak, type Peak } from './peak.ts';
import { prepareQdq } from './qdq.ts';
import { contendersChart, familiesChart } from './charts.ts';
import { profileEngines, profileHook } from './profile.ts';
import { ANCHOR_NAMES, formatComparison, formatMachine, formatPeak, formatProfile, formatResults, machineInfo, type Agreement, type Report, type Row } from './report.ts';
import { cosine } from '../lib/cosine.ts';
import { median } from '../lib/median.ts';
import { maxAbsDiff } from '../lib/max-abs.ts';
import { argmax, ratioOfMedians, summarize } from './stats.ts';
import { formatByPredecessor, roundOrders } from './order.ts';

const ALL = ['edge-simd128', 'edge-baseline', 'edge-scalar', 'edge-relaxed', 'ort-web', 'ort-node', 'ort-web-int8', 'ort-node-int8', 'torch'] as const;
type Id = (typeof ALL)[number];
const ANCHORS: Id[] = ['ort-web', 'ort-node', 'ort-web-int8', 'ort-node-int8', 'torch'];
const ALIASES: Record<string, Id[]> = {
  edge: ['edge-simd128', 'edge-scalar', 'edge-relaxed'],
  'ghostnet-edge': ['edge-simd128', 'edge-scalar', 'edge-relaxed'],
  simd128: ['edge-simd128'],
  scalar: ['edge-scalar'],
  relaxed: ['edge-relaxed'],
  'onnxruntime-web': ['ort-web'],
  'onnxruntime-node': ['ort-node'],
  ort: ['ort-web', 'ort-node', 'ort-web-int8', 'ort-node-int8'],
  'ort-int8': ['ort-web-int8', 'ort-node-int8'],
  'ort-fp32': ['ort-web', 'ort-node'],
  pytorch: ['torch'],
};

const HELP = `npm run bench -- [options]     (or: npx tsx tools/bench/bench.ts [options] after npm run build)

GhostNetV2-1.0, 224x224, batch 1, one thread each; contenders interleaved round-robin.
  --samples N          timed inferences per contender (default 30)
  --warmup N           interleaved warm-up inferences per contender (default 10)
  --scalar-samples N   samples for the scalar build, spread evenly over the run (default 10)
  --only IDS           comma list of ${ALL.join(', ')}
                       (aliases: edge, ort, ort-fp32, ort-int8, pytorch, onnxruntime-web, onnxruntime-node)
  --json FILE          JSON report (default tmp/bench/result.json)
  --profile-runs N     per-op profile runs of the SIMD128 engine after the bench (default 30, 0 = off)
  --checkpoint FILE    benchmark this official width-1.0 checkpoint instead of the synthetic one
  --model FILES        also time these int8 model files (any GhostNet version/width, 224 input),
                       comma-separated, each as one more SIMD128 contender in the same rounds
  --python PATH        Python with PyTorch 1.13 (default /usr/bin/python3)
  --calib-count N      calibration images for the int8 conversion (default 16)
  --rebuild            remake every cached artifact in tmp/bench/
  --no-gc              do not run a full GC before each timed inference
  --order rotate|shuffle  the order within a round: the list rotated by one every round (default,
                       as in every run so far), or a new (seeded) random order every round. A
                       rotation keeps every contender after the same one in every round (SIMD128
                       after PyTorch), and what ran just before moves a short contender's time;
                       both print SIMD128's median by predecessor (docs/benchmarks/engine.md)
  --charts DIR         where the two SVG charts go (default docs/benchmarks; "none" = no charts)
  --baseline FILE      also run this engine binary (e.g. an older commit's build/engine.simd128.wasm)
                       as contender edge-baseline, with its own per-op profile: before/after in one run
                       (the two profiled in alternation; the per-op table is this build's profile alone)
Ratios are median time ÷ the anchor's median time (< 1 = faster than the anchor), with a 95%
bootstrap interval in brackets.`;

function selected(only: string | undefined): Set<Id> {
  if (!only) return new Set(ALL);
  const out = new Set<Id>();
  for (const raw of only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const ids = ALIASES[raw] ?? ((ALL as readonly string[]).includes(raw) ? [raw as Id] : null);
    if (!ids) throw new UsageError(`--only: unknown contender ${raw} (known: ${ALL.join(', ')})`);
    for (const id of ids) out.add(id);
  }
  return out;
}

/** A full GC before each timed inference, so one contender's garbage is not collected on another's clock. */
function gcFunction(enabled: boolean): () => void {
  if (!enabled) return () => {};
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    return () => gc();
  } catch {
    return () => {};
  }
}

const log = (s = '') => process.stdout.write(s + '\n');

async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      samples: { type: 'string' },
      warmup: { type: 'string' },
      'scalar-samples': { type: 'string' },
      only: { type: 'string' },
      json: { type: 'string' },
      'profile-runs': { type: 'string' },
      checkpoint: { type: 'string' },
      python: { type: 'string' },
      'calib-count': { type: 'string' },
      model: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
      'no-gc': { type: 'boolean', default: false },
      charts: { type: 'string' },
      baseline: { type: 'string' },
      order: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (o.help) {
    log(HELP);
    return 0;
  }
  const samples = int(o.samples, '--samples', 30, 1);
  const warmup = int(o.warmup, '--warmup', 10);
  const scalarSamples = int(o['scalar-samples'], '--scalar-samples', Math.min(10, samples), 1);
  const profileRuns = int(o['profile-runs'], '--profile-runs', 30);
  const calibCount = int(o['calib-count'], '--calib-count', 16, 1);
  const orderMode = o.order ?? 'rotate';
  if (orderMode !== 'shuffle' && orderMode !== 'rotate') throw new UsageError(`--order: rotate or shuffle, not ${orderMode}`);
  const jsonPath = resolve(o.json ?? `${ROOT}/tmp/bench/result.json`);
  const python = o.python ?? '/usr/bin/python3';
  const want = selected(o.only);
  if (o.baseline) want.add('edge-baseline');
  else want.delete('edge-baseline');
  const notes: string[] = [];
  if (samples < 30) notes.push(`${samples} samples per contender (< 30): a development run, not a result to quote`);
  const setting = { model: 'GhostNetV2', width: 1.0, classes: 1000, size: 224, batch: 1, threads: 1 };

  const machine = machineInfo();
  log(`ghostnet-edge bench: GhostNetV2-${setting.width.toFixed(1)} ${setting.size}x${setting.size}, batch 1, 1 thread per contender`);
  log(formatMachine(machine));
  if (machine.loadavg[0] > machine.cores * 0.5)
    log(`note: load average ${machine.loadavg[0]} on ${machine.cores} cores before the run — absolute times will be noisy; the interleaved ratios are what to read`);

  // Artifacts (cached in tmp/bench/).
  log('\nartifacts:');
  const art = prepareArtifacts({
    dir: `${ROOT}/tmp/bench`,
    python,
    checkpoint: o.checkpoint && resolve(o.checkpoint),
    width: 1.0,
    classes: 1000,
    size: 224,
    calibCount,
    rebuild: o.rebuild,
    log: (s) => log(s),
  });
  if (!art.hasTorch) log(`  skipped: ${art.torchWhy} (no PyTorch contender, no ONNX export)`);
  if (!art.inputNpy) {
    log('no bench input could be made; nothing to run');
    return 1;
  }
  const x = readNpy(new Uint8Array(readFileSync(art.inputNpy)));
  if (x.shape.join() !== `1,3,${setting.size},${setting.size}`) throw new Error(`${art.inputNpy}: expected [1,3,224,224], got [${x.shape}]`);
  const inputs: BenchInputs = {
    chw: x.data,
    size: setting.size,
    width: setting.width,
    classes: setting.classes,
    checkpoint: art.checkpoint,
    onnx: art.onnx,
    int8Model: art.int8Model,
    inputNpy: art.inputNpy,
    python,
  };
  // The int8 ONNX anchors' QDQ model (tools/bench/qdq.ts), when one of them runs.
  let qdqInfo: Awaited<ReturnType<typeof prepareQdq>> | undefined;
  if ((want.has('ort-web-int8') || want.has('ort-node-int8')) && art.onnx && art.calibNpy) {
    try {
      qdqInfo = await prepareQdq({ dir: `${ROOT}/tmp/bench`, python, onnx: art.onnx, calibNpy: art.calibNpy, calibCount, tag: basename(art.onnx, '.onnx'), rebuild: o.rebuild, log: (s) => log(s) });
      inputs.qdqOnnx = qdqInfo.path;
      const ops = Object.entries(qdqInfo.optimizedOps)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      log(`  int8 QDQ model in onnxruntime-node's optimized graph: ${qdqInfo.convs.qlinear} QLinearConv, ${qdqInfo.convs.float} float Conv (${ops})`);
      notes.push(
        `int8 ONNX anchors: ${relative(ROOT, qdqInfo.path)} (tools/bench/qdq.py: per-channel int8 weights, uint8 activations MinMax-calibrated on the same ${calibCount} images, QDQ as ORT's quantize_static); onnxruntime-node's optimized graph runs ${qdqInfo.convs.qlinear} of the convolutions as QLinearConv, ${qdqInfo.convs.float} as float`,
      );
    } catch (e) {
      log(`  skipped: int8 QDQ model: ${(e as Error).message}`);
    }
  }

  // Contenders.
  log('\ncontenders:');
  const skipped: Record<string, string> = {};
  notes.push(...art.notes);
  const contenders: Contender[] = [];
  const factories: Record<Id, () => Promise<Contender>> = {
    'edge-simd128': () => createEdge(inputs, 'simd128'),
    'edge-baseline': () => createEdge(inputs, 'simd128', resolve(o.baseline!)),
    'edge-scalar': () => createEdge(inputs, 'scalar'),
    'edge-relaxed': () => createEdge(inputs, 'relaxed'),
    'ort-web': () => createOrtWeb(inputs),
    'ort-node': () => createOrtNode(inputs),
    'ort-web-int8': () => createOrtWeb(inputs, 'int8'),
    'ort-node-int8': () => createOrtNode(inputs, 'int8'),
    torch: () => createTorch(inputs, art.hasTorch),
  };
  for (const id of ALL) {
    if (!want.has(id)) continue;
    try {
      const c = await factories[id]();
      contenders.push(c);
      log(`  ${c.id.padEnd(14)} ${c.label}`);
    } catch (e) {
      // A contender that cannot start is reported and left out; the others still run.
      skipped[id] = e instanceof Skip ? e.message : `failed to start: ${(e as Error).message}`;
      log(`  ${id.padEnd(14)} skipped: ${skipped[id]}`);
    }
  }
  // --model: one more SIMD128 contender per model file, on the same input (its own weights, so no agreement check).
  for (const path of (o.model ?? '').split(',').filter(Boolean)) {
    const c = await createEdge({ ...inputs, int8Model: resolve(path) }, 'simd128');
    const a = c.model.header.architecture;
    if (c.model.header.preprocessing.input_size !== setting.size) throw new UsageError(`--model ${path}: input size ${c.model.header.preprocessing.input_size}, the bench input is ${setting.size}`);
    const id = `model:${path.split('/').pop()}`;
    contenders.push({ ...c, id, label: `${a.family}-${a.width} int8 simd128 (--model)`, info: { ...c.info, architecture: a } });
    log(`  ${id} ${a.family} width ${a.width}`);
  }
  for (const c of contenders) if (typeof c.info.note === 'string') notes.push(`${c.id}: ${c.info.note}`);
  if (want.has('edge-relaxed') && relaxedUnsupportedReason()) notes.push(`edge-relaxed not run: ${relaxedUnsupportedReason()}`);
  if (!contenders.length) {
    log('\nno contender could run');
    return 1;
  }

  // Agreement on the one input: float runtimes vs PyTorch (or onnxruntime-node), int8 vs the float reference.
  log('\nagreement on the bench input:');
  const logits = new Map<string, Float32Array>();
  for (const c of contenders) logits.set(c.id, await c.logits());
  const refId = logits.has('torch') ? 'torch' : logits.has('ort-node') ? 'ort-node' : logits.has('ort-web') ? 'ort-web' : null;
  const agreement: Agreement[] = [];
  let harnessBroken = false;
  for (const c of contenders) {
    if (c.id.startsWith('model:')) continue;
    const pairs: string[] = [];
    if (refId && c.id !== refId) pairs.push(refId);
    if (c.id === 'edge-scalar' || c.id === 'edge-relaxed') if (logits.has('edge-simd128')) pairs.push('edge-simd128');
    for (const r of pairs) {
      const a = logits.get(c.id)!;
      const b = logits.get(r)!;
      const ag: Agreement = { id: c.id, reference: r, top1: argmax(a), referenceTop1: argmax(b), top1Match: argmax(a) === argmax(b), cosine: cosine(a, b), maxAbsDiff: maxAbsDiff(a, b) };
      agreement.push(ag);
      const float = !c.id.startsWith('edge-') && !c.id.endsWith('-int8');
      if (float && !ag.top1Match) harnessBroken = true;
      log(
        `  ${c.id.padEnd(13)} vs ${r.padEnd(13)} top-1 ${ag.top1}/${ag.referenceTop1} ${ag.top1Match ? 'match' : 'DIFFER'}  cosine ${ag.cosine.toFixed(5)}  max|Δ| ${ag.maxAbsDiff.toExponential(2)}`,
      );
    }
  }
  // The relaxed build is timed only where it computes what the SIMD128 build computes.
  const relaxed = agreement.find((g) => g.id === 'edge-relaxed' && g.reference === 'edge-simd128');
  if (relaxed && (!relaxed.top1Match || relaxed.cosine < 0.999)) {
    const c = contenders.find((k) => k.id === 'edge-relaxed')!;
    await c.close();
    contenders.splice(contenders.indexOf(c), 1);
    skipped['edge-relaxed'] = `this runtime's relaxed SIMD gives different results from SIMD128 (cosine ${relaxed.cosine.toFixed(4)}), not timed`;
    log(`  edge-relaxed  dropped: ${skipped['edge-relaxed']}`);
  } else if (contenders.some((k) => k.id === 'edge-relaxed') && !relaxed) {
    const c = contenders.find((k) => k.id === 'edge-relaxed')!;
    contenders.splice(contenders.indexOf(c), 1);
    skipped['edge-relaxed'] = 'cannot check the relaxed build without the SIMD128 build in the same run, not timed';
    log(`  edge-relaxed  dropped: ${skipped['edge-relaxed']}`);
  }
  if (harnessBroken) log('  WARNING: a float runtime disagrees with the reference on top-1 — different weights or input? The timings below are suspect.');
  if (contenders.length === 1) notes.push('only one contender ran: no ratios');

  // The dot peak of this process, before the rounds (and again after them: the machine is shared).
  const peakBefore: Peak = dotPeak();
  log(`\ndot peak before the rounds: ${peakBefore.gmacs.toFixed(1)} GMAC/s (median trial ${peakBefore.median.toFixed(1)})`);

  // Interleaved warm-up and timed rounds.
  const gc = gcFunction(!o['no-gc']);
  const target = new Map<string, number>(contenders.map((c) => [c.id, c.id === 'edge-scalar' ? Math.min(scalarSamples, samples) : samples]));
  const warm = new Map<string, number>(contenders.map((c) => [c.id, c.id === 'edge-scalar' ? Math.min(3, warmup) : warmup]));
  const times = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  // The order within each round (tools/bench/order.ts: why shuffled).
  const orderOf = roundOrders(orderMode);
  // A contender with n < R samples runs in the rounds where floor(r·n/R) steps up: evenly spread.
  const due = (n: number, r: number, R: number) => Math.floor(((r + 1) * n) / R) > Math.floor((r * n) / R);
  const progress = (s: string) => process.stderr.isTTY && process.stderr.write(`\r${s}\x1b[K`);

  const W = Math.max(...warm.values());
  for (let r = 0; r < W; r++) {
    for (const c of orderOf(contenders, r)) if (due(warm.get(c.id)!, r, W)) await c.runOnce();
    progress(`warm-up ${r + 1}/${W}`);
  }
  const R = Math.max(...target.values());
  // Every timed run in order (contender ids), for the by-predecessor view and the JSON.
  const sequence: string[] = [];
  const t0 = performance.now();
  for (let r = 0; r < R; r++) {
    for (const c of orderOf(contenders, r)) {
      if (!due(target.get(c.id)!, r, R)) continue;
      gc();
      times.get(c.id)!.push(await c.runOnce());
      sequence.push(c.id);
    }
    progress(`round ${r + 1}/${R}`);
  }
  progress('');
  const benchSeconds = (performance.now() - t0) / 1000;

  // Per-op profile of the SIMD128 engine (after the timed rounds, so it cannot disturb them), and of
  // the --baseline engine in alternation with it (profileEngines: same stretch of time). Alternated
  // round by round, each engine's run evicts the other's weights further than one run brings them
  // back: both read colder than either runs alone (Σ 56–57% against 60–62% of the dot peak for the
  // same build, docs/KERNELS.md "The network against the micro-benchmark"). So the ratios come from
  // the alternation, and this build's own profile (the per-op table, `profile`) from a run of it
  // alone afterwards, as without --baseline; its first 10 rounds bring its weights back.
  let profile: Report['profile'];
  let baselineProfile: Report['baselineProfile'];
  let alternatedProfile: Report['alternatedProfile'];
  const edge = contenders.find((c) => c.id === 'edge-simd128') as EdgeContender | undefined;
  const base = contenders.find((c) => c.id === 'edge-baseline') as EdgeContender | undefined;
  if (edge && profileRuns > 0) {
    if (profileHook(edge.engine)) {
      if (base) {
        const [a, b] = profileEngines([edge, base], inputs.chw, profileRuns, 5);
        alternatedProfile = { ...a, runMedianMs: median(times.get('edge-simd128')!) };
        baselineProfile = { ...b, runMedianMs: median(times.get('edge-baseline')!) };
      }
      const [p] = profileEngines([edge], inputs.chw, profileRuns, base ? 10 : 5);
      profile = { ...p, runMedianMs: median(times.get('edge-simd128')!) };
    } else notes.push('per-op profile skipped: Int8Engine has no profile(chw) method');
  }

  for (const c of contenders) await c.close();
  const peakAfter = dotPeak();
  const peak: Report['peak'] = { gmacs: Math.max(peakBefore.gmacs, peakAfter.gmacs), before: peakBefore, after: peakAfter };
  if (!relaxedUnsupportedReason()) peak.relaxed = relaxedDotPeak();

  // Results.
  const anchors = ANCHORS.filter((a) => times.has(a));
  const rows: Row[] = contenders.map((c) => {
    const ts = times.get(c.id)!;
    const ratios: Row['ratios'] = {};
    const minRatios: Row['minRatios'] = {};
    for (const a of anchors) {
      if (a === c.id) continue;
      ratios[a] = ratioOfMedians(ts, times.get(a)!);
      minRatios[a] = Math.min(...ts) / Math.min(...times.get(a)!);
    }
    return { id: c.id, label: c.label, summary: summarize(ts), ratios, minRatios };
  });
  const report: Report = {
    date: new Date().toISOString(),
    setting,
    machine: { ...machine, loadavgAfter: machineInfo().loadavg },
    options: {
      samples,
      warmup,
      scalarSamples,
      profileRuns,
      gcBeforeEachSample: !o['no-gc'],
      order: orderMode === 'shuffle' ? 'round-robin, shuffled each round (seeded)' : 'round-robin, rotated each round',
      sequence,
      benchSeconds: Math.round(benchSeconds * 10) / 10,
    },
    anchors,
    rows,
    contenders: Object.fromEntries(contenders.map((c) => [c.id, c.info])),
    skipped,
    notes,
    agreement,
    profile,
    baselineProfile,
    alternatedProfile,
    peak,
    samples: Object.fromEntries(times),
  };

  log(`\nresults (${R} rounds in ${benchSeconds.toFixed(1)} s; ratio = median ÷ anchor median, < 1 = faster; [95% bootstrap interval]):`);
  log(formatResults(report));
  for (const id of ['edge-simd128', 'edge-scalar'] as const) {
    const row = rows.find((r) => r.id === id);
    if (!row) continue;
    const parts = anchors.map((a) => {
      const q = row.ratios[a].ratio;
      return q <= 1 ? `${(1 / q).toFixed(2)}× faster than ${ANCHOR_NAMES[a]}` : `${q.toFixed(2)}× slower than ${ANCHOR_NAMES[a]}`;
    });
    if (parts.length) log(`${row.label}: ${parts.join(', ')}`);
  }
  log('\n' + formatPeak(peak));
  if (profile) {
    log(`\nghostnet-edge simd128 per-op profile (${baselineProfile ? 'this engine alone, ' : ''}median of ${profile.runs} runs per op, MACs from shapes; % of the dot peak above):`);
    log(formatProfile(profile, peak.gmacs));
    if (baselineProfile && alternatedProfile) {
      log(
        `\nbefore → after per class (per-op medians, the two engines profiled in alternation, round by round: both colder than the profile above, where this build runs alone; baseline ${o.baseline}):`,
      );
      log(formatComparison(baselineProfile, alternatedProfile, peak.gmacs));
    }
  }
  for (const id of ['edge-simd128', 'edge-baseline']) {
    const line = formatByPredecessor(id, sequence, times.get(id));
    if (line) log(line);
  }
  for (const n of notes) log(`note: ${n}`);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(report, null, 1) + '\n');
  const chartDir = o.charts ?? `${ROOT}/docs/benchmarks`;
  if (chartDir !== 'none') {
    mkdirSync(chartDir, { recursive: true });
    const written = [];
    writeFileSync(`${chartDir}/contenders.svg`, contendersChart(report));
    written.push(`${chartDir}/contenders.svg`);
    const fam = familiesChart(report);
    if (fam) {
      writeFileSync(`${chartDir}/families.svg`, fam);
      written.push(`${chartDir}/families.svg`);
    }
    log(`charts: ${written.map((f) => relative(process.cwd(), resolve(f))).join(', ')}`);
  }
  log(`\nJSON: ${relative(process.cwd(), jsonPath) || jsonPath}`);
  return harnessBroken ? 2 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => exitWithError('bench', HELP, e),
);
