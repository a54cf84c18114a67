/**
 * `npm run test:mutants`: shows that the kernel tests can fail. For each deliberate bug in
 * ./list.ts it copies assembly/ to tmp/mutants/, plants the bug, compiles the build that runs it
 * there, and runs the family's kernel tests against it through GHOSTNET_BUILD_DIR: in Node, the
 * family's "simd128 build" suite of test/node/kernels.test.ts (tools/engine-node.ts reads the
 * variable). A mutant is caught when a test goes red.
 * First a control: the unmodified copy, compiled the same way, must pass the same tests (so a red
 * mutant is the bug's doing, not the set-up's).
 *
 *   npm run test:mutants [-- ID ...]     (a few minutes; not part of `npm test`)
 *
 * Exit status 0 only if the control passes and every mutant is caught. Mutants of the relaxed
 * build's own pointwise kernel run test/workers/relaxed-engine.test.ts inside workerd (Node 20's
 * relaxed SIMD is wrong); vitest.config.ts points its build/engine.*.wasm imports at
 * GHOSTNET_BUILD_DIR, which must be inside the project (workerd serves modules from there).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { headerHelp, toolArgs, UsageError } from '../lib/args.ts';
import { MUTANTS, type Mutant } from './list.ts';

const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
const WORK = join(ROOT, 'tmp', 'mutants');
const ASC = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const CONFIG = { engine: 'asconfig.json', resample: 'asconfig.resample.json' } as const;

const { positionals: only } = toolArgs('test:mutants', headerHelp(import.meta.url), { options: {}, allowPositionals: true });
const unknown = only.filter((id) => !MUTANTS.some((m) => m.id === id));
if (unknown.length) throw new UsageError(`unknown mutant(s): ${unknown.join(', ')}; known: ${MUTANTS.map((m) => m.id).join(', ')}`);
const chosen = only.length ? MUTANTS.filter((m) => only.includes(m.id)) : MUTANTS;

/** A fresh copy of the sources and the current builds (tmp/mutants/{assembly,build}). */
function freshCopy(): void {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(join(WORK, 'build'), { recursive: true });
  cpSync(join(ROOT, 'assembly'), join(WORK, 'assembly'), { recursive: true });
  for (const c of Object.values(CONFIG)) cpSync(join(ROOT, c), join(WORK, c));
  for (const f of readdirSync(join(ROOT, 'build'))) if (f.endsWith('.wasm')) cpSync(join(ROOT, 'build', f), join(WORK, 'build', f));
}

/** Replaces the nth occurrence of m.find; null when the text is not there (the kernel changed). */
function plant(m: Mutant): string | null {
  const path = join(WORK, 'assembly', m.file);
  if (!existsSync(path)) return null;
  const src = readFileSync(path, 'utf8');
  const parts = src.split(m.find);
  const count = parts.length - 1;
  const nth = m.nth ?? 0;
  if (count === 0 || nth >= count || (m.nth === undefined && count > 1)) return null;
  const out = parts.slice(0, nth + 1).join(m.find) + m.replace + parts.slice(nth + 1).join(m.find);
  writeFileSync(path, out);
  return out;
}

type Target = { module: Mutant['module']; build: 'simd128' | 'relaxed' };
const targetOf = (m: Mutant): Target => ({ module: m.module, build: m.build ?? 'simd128' });

function compile({ module, build }: Target): string | null {
  const r = spawnSync(process.execPath, [ASC, '--config', CONFIG[module], '--target', build], { cwd: WORK, encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
}

interface TestRun {
  ok: boolean;
  failed: number;
  passed: number;
  firstFailure: string;
  output: string;
}

/** The tests a mutant must turn red: its variant's own cases, or its families' suites. */
function testsOf(m: Mutant): { families: string[] } | { variant: string } {
  return m.variant ? { variant: m.variant } : { families: m.tests };
}

function kernelTests(which: { families: string[] } | { variant: string }, build: Target['build']): TestRun {
  // test/node/kernels.test.ts names its suites "<family> (<build> build)" (only the SIMD128 halves
  // run here) and its per-variant tests "variants (simd128 build) <variant>: ...". The relaxed build
  // runs in workerd (test/workers/relaxed-engine.test.ts: "<family>: ..." and "variant <variant>: ...").
  const filter =
    'variant' in which
      ? build === 'simd128'
        ? `^variants \\(simd128 build\\) ${which.variant}:`
        : `variant ${which.variant}:`
      : build === 'simd128'
        ? `^(${which.families.join('|')}) \\(simd128 build\\)`
        : `(${which.families.join('|')}):`;
  const args = build === 'simd128' ? ['--project', 'node', 'test/node/kernels.test.ts', '-t', filter] : ['--project', 'workers', 'test/workers/relaxed-engine.test.ts', '-t', filter];
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, GHOSTNET_BUILD_DIR: join(WORK, 'build'), NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 << 20,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  const tests = /Tests\s+(.*)/.exec(output)?.[1] ?? '';
  const failed = Number(/(\d+) failed/.exec(tests)?.[1] ?? 0);
  const passed = Number(/(\d+) passed/.exec(tests)?.[1] ?? 0);
  const firstFailure = (/^\s*(?:×|✗|FAIL)\s+(.+?)(?:\s+\d+ms)?$/m.exec(output)?.[1] ?? '').trim().slice(0, 140);
  return { ok: r.status === 0, failed, passed, firstFailure, output };
}

const t0 = Date.now();
freshCopy();
const targets = new Map(chosen.map((m) => [`${m.module}.${m.build ?? 'simd128'}`, targetOf(m)]));
for (const t of targets.values()) {
  const err = compile(t);
  if (err) throw new Error(`control: the unmodified ${t.module}.${t.build} copy does not compile: ${err}`);
}
for (const build of ['simd128', 'relaxed'] as const) {
  const families = [...new Set(chosen.filter((m) => (m.build ?? 'simd128') === build).flatMap((m) => m.tests))];
  if (!families.length) continue;
  const variants = [...new Set(chosen.filter((m) => (m.build ?? 'simd128') === build && m.variant).map((m) => m.variant!))];
  const control = kernelTests({ families }, build);
  if (!control.ok || control.passed === 0) {
    console.error(control.output.slice(-3000));
    console.error(`control FAILED: the unmodified ${build} sources must pass ${families.join(', ')} (${control.passed} passed, ${control.failed} failed)`);
    process.exit(1);
  }
  console.log(`control: the unmodified ${build} builds pass ${control.passed} kernel tests (${families.join(', ')})`);
  for (const variant of variants) {
    const v = kernelTests({ variant }, build);
    if (!v.ok || v.passed === 0) {
      console.error(v.output.slice(-3000));
      console.error(`control FAILED: the unmodified ${build} sources must pass ${variant}'s own cases (${v.passed} passed, ${v.failed} failed)`);
      process.exit(1);
    }
  }
  if (variants.length) console.log(`control: the unmodified ${build} builds pass the own cases of ${variants.length} variants`);
}
console.log('');

const rows: { m: Mutant; verdict: 'caught' | 'SURVIVED' | 'STALE' | 'NO-COMPILE'; detail: string }[] = [];
for (const m of chosen) {
  freshCopy();
  if (plant(m) === null) {
    rows.push({ m, verdict: 'STALE', detail: `text not found (as specified) in assembly/${m.file}: update tools/mutants/list.ts` });
  } else {
    const err = compile(targetOf(m));
    if (err) rows.push({ m, verdict: 'NO-COMPILE', detail: err });
    else {
      const run = kernelTests(testsOf(m), targetOf(m).build);
      rows.push(
        run.ok
          ? { m, verdict: 'SURVIVED', detail: `${run.passed} tests passed` }
          : { m, verdict: 'caught', detail: `${run.failed} of ${run.failed + run.passed} red${run.firstFailure ? `, e.g. ${run.firstFailure}` : ''}` },
      );
    }
  }
  const r = rows[rows.length - 1];
  console.log(`${r.verdict.padEnd(10)} ${m.id.padEnd(18)} ${m.variant ? `[${m.variant}] ` : ''}${m.what} — ${r.detail}`);
}
rmSync(WORK, { recursive: true, force: true });

const caught = rows.filter((r) => r.verdict === 'caught').length;
console.log(`\n${caught} of ${rows.length} mutants caught (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(caught === rows.length ? 0 : 1);
