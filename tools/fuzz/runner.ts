/**
 * The child process of `npm run fuzz`: runs cases [from, to) of one target and reports each to the
 * parent, which saves failing inputs and restarts this process after a hang or a crash.
 * Peak memory per case is the process's VmHWM, reset before each case (/proc/self/clear_refs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { makeCase } from './cases.ts';
import { Finding, loadTarget } from './targets.ts';

export type Message = { type: 'start'; i: number } | { type: 'done'; i: number; outcome: string; finding?: string; ms: number; peakMiB: number } | { type: 'end' };

const [name, seedArg, fromArg, toArg] = process.argv.slice(2);
const send = (m: Message) => new Promise<void>((r) => process.send!(m, () => r()));
const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
const resetPeak = () => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the allocation bound is then not checked
  }
};

const target = await loadTarget(name);
const seed = Number(seedArg);
// Warm up (wasm compilation, first-use allocations) on an unmutated seed, outside any case.
await target.run(target.seeds[0].bytes, 0).catch(() => {});
for (let i = Number(fromArg); i < Number(toArg); i++) {
  const { bytes } = makeCase(target, seed, i);
  await send({ type: 'start', i });
  const before = kB('VmRSS');
  resetPeak();
  const t0 = performance.now();
  let outcome: string, finding: string | undefined;
  try {
    outcome = await target.run(bytes, i);
  } catch (e) {
    outcome = 'finding';
    finding = e instanceof Finding ? e.message : `uncaught ${String(e)}`;
  }
  const ms = performance.now() - t0;
  const peakMiB = (kB('VmHWM') - before) / 1024;
  if (!finding && ms > target.timeBoundMs) finding = `took ${ms.toFixed(0)} ms (bound ${target.timeBoundMs} ms)`;
  if (!finding && peakMiB > target.allocBoundMiB) finding = `peak memory ${peakMiB.toFixed(0)} MiB over the case's start (bound ${target.allocBoundMiB} MiB)`;
  await send({ type: 'done', i, outcome, finding, ms, peakMiB });
}
await send({ type: 'end' });
process.exit(0);
