/**
 * `npm run fuzz`: mutation fuzzing of what the service parses from untrusted bytes: images (the
 * Worker's decode + preprocess path), model files and checkpoints (tools/fuzz/targets.ts says
 * what each runs and which failures are documented). Fixed seed, any number of cases; each case
 * is a pure function of (target, seed, index), so one can be replayed alone.
 *
 * Invariants, per case: only the documented errors; no hang (a per-case time bound, and a
 * watchdog that kills a stuck case); no unbounded allocation (peak RSS over the case's start).
 * Every failing input is saved to <out>/<target>/ with a .txt saying why and how to replay it.
 * Exits 1 if any case failed.
 *
 *   npm run fuzz -- [--target image,model,checkpoint] [--cases 1000] [--seed 1] [--from 0] [--out tmp/fuzz]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { headerHelp, int, toolArgs, UsageError } from '../lib/args.ts';
import { makeCase } from './cases.ts';
import type { Message } from './runner.ts';
import { loadTarget, type FuzzTarget } from './targets.ts';

const root = resolve(import.meta.dirname, '../..');
const { values: o } = toolArgs('fuzz', headerHelp(import.meta.url), {
  options: {
    target: { type: 'string', default: 'image,model,checkpoint' },
    cases: { type: 'string' },
    seed: { type: 'string' },
    from: { type: 'string' },
    out: { type: 'string', default: 'tmp/fuzz' },
  },
});
const seed = int(o.seed, '--seed', 1, -Infinity),
  from = int(o.from, '--from', 0),
  cases = int(o.cases, '--cases', 1000);
const TARGETS = ['image', 'model', 'checkpoint'];
for (const name of o.target!.split(',')) if (!TARGETS.includes(name)) throw new UsageError(`--target: unknown target ${name} (${TARGETS.join(', ')})`);

interface Failure {
  i: number;
  why: string;
}

const EXT: Record<string, (seedName: string) => string> = {
  image: (s) => s.slice(s.lastIndexOf('.')),
  model: () => '.gnv2',
  checkpoint: (s) => (s.endsWith('.safetensors') ? '.safetensors' : '.pth'),
};

function save(t: FuzzTarget, f: Failure): string {
  const { seedName, bytes } = makeCase(t, seed, f.i);
  const dir = resolve(root, o.out!, t.name);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `seed${seed}-case${f.i}`);
  writeFileSync(base + EXT[t.name](seedName), bytes);
  writeFileSync(
    `${base}.txt`,
    `${t.name} case ${f.i} (seed ${seed}), a mutant of ${seedName}, ${bytes.length} bytes\n${f.why}\n\nreplay: npm run fuzz -- --target ${t.name} --seed ${seed} --from ${f.i} --cases 1\n`,
  );
  return base + EXT[t.name](seedName);
}

/** Runs cases [from, to) in child processes, restarting after a hang or a crash. */
async function fuzzTarget(t: FuzzTarget): Promise<{ failures: Failure[]; outcomes: Record<string, number>; maxMs: number; maxPeakMiB: number; seconds: number }> {
  const failures: Failure[] = [];
  const outcomes: Record<string, number> = {};
  let maxMs = 0,
    maxPeakMiB = 0,
    next = from;
  const end = from + cases;
  const hangMs = Math.max(10_000, 3 * t.timeBoundMs);
  const t0 = performance.now();
  while (next < end) {
    const child: ChildProcess = fork(join(import.meta.dirname, 'runner.ts'), [t.name, String(seed), String(next), String(end)], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let current = -1,
      ended = false;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        failures.push({ i: current, why: `hang: no answer within ${hangMs} ms (killed)` });
        child.kill('SIGKILL');
      }, hangMs);
    };
    child.on('message', (m: Message) => {
      if (m.type === 'start') {
        current = m.i;
        arm();
      } else if (m.type === 'done') {
        clearTimeout(watchdog);
        next = m.i + 1;
        outcomes[m.outcome] = (outcomes[m.outcome] ?? 0) + 1;
        maxMs = Math.max(maxMs, m.ms);
        maxPeakMiB = Math.max(maxPeakMiB, m.peakMiB);
        if (m.finding) failures.push({ i: m.i, why: m.finding });
      } else ended = true;
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearTimeout(watchdog);
    if (!ended) {
      // Killed by the watchdog (already recorded) or crashed (out of memory, abort): skip that case.
      if (current >= next && !failures.some((f) => f.i === current)) failures.push({ i: current, why: `the process died (exit ${code}) during this case` });
      if (current < next) throw new Error(`fuzz: the ${t.name} runner failed before its first case (exit ${code})`);
      next = current + 1;
    }
  }
  return { failures, outcomes, maxMs, maxPeakMiB, seconds: (performance.now() - t0) / 1000 };
}

let failed = 0;
for (const name of o.target!.split(',')) {
  const t = await loadTarget(name);
  const r = await fuzzTarget(t);
  console.log(
    `fuzz ${name}: ${cases} cases (seed ${seed}, from ${from}) in ${r.seconds.toFixed(1)} s from ${t.seeds.length} seeds; ` +
      `slowest ${r.maxMs.toFixed(0)} ms (bound ${t.timeBoundMs}), largest peak +${r.maxPeakMiB.toFixed(0)} MiB (bound ${t.allocBoundMiB})`,
  );
  console.log(`  outcomes ${JSON.stringify(Object.fromEntries(Object.entries(r.outcomes).sort((a, b) => b[1] - a[1])))}`);
  for (const f of r.failures) console.log(`  FAIL case ${f.i}: ${f.why.split('\n')[0]}\n    saved ${save(t, f)}`);
  failed += r.failures.length;
}
console.log(failed ? `fuzz: ${failed} failing cases (inputs in ${o.out}/)` : 'fuzz: no failures');
process.exit(failed ? 1 : 0);
