/**
 * Every op the engine runs has kernels, and every kernel has a reference, a tester and a doc entry.
 * The op kinds come from the graphs of all three families (buildGraph), so a new op kind fails here
 * until it has a module in the op registry (worker/model/ops/index.ts); a kernel an op lists then
 * fails until it is exported by every build with its `_reference`, called by that op's prepare/eval,
 * exercised by a tester in test/kernels/, and described in
 * docs/KERNELS.md (where docs/ARCHITECTURE.md says a new op or kernel family goes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAMILIES, netSpec } from '../../worker/model/architecture.ts';
import { buildGraph } from '../../worker/model/graph.ts';
import { engineExports } from '../../tools/engine-node.ts';
import { OPS } from '../../worker/model/ops/index.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const testers = readdirSync(new URL('test/kernels/', root)).filter((f) => f.endsWith('.tester.ts')).map((f) => read(`test/kernels/${f}`)).join('\n');
const kernelsDoc = read('docs/KERNELS.md');
const kernels = [...new Set(Object.values(OPS).flatMap((m) => m.kernels))];

describe('op and kernel coverage', () => {
  it('every op kind of every family graph has a module in the op registry, and every module is used', () => {
    const kinds = new Set<string>();
    for (const family of FAMILIES) for (const op of buildGraph(netSpec(1.0, 1000, family), 224).ops) kinds.add(op.kind);
    expect([...kinds].filter((k) => !(k in OPS))).toEqual([]);
    expect(Object.keys(OPS).filter((k) => !kinds.has(k))).toEqual([]); // no stale modules
    for (const [kind, m] of Object.entries(OPS)) expect(m.kind).toBe(kind);
  });

  it.each(['scalar', 'simd128'] as const)('the %s build exports every kernel and its _reference', (build) => {
    const ex = engineExports(build);
    const missing = kernels.flatMap((k) => [k, `${k}_reference`]).filter((name) => typeof ex[name] !== 'function');
    expect(missing).toEqual([]);
  });

  it('every op module calls each kernel it lists', () => {
    const uncalled = Object.values(OPS).flatMap((m) => m.kernels.filter((k) => !m.prepare.toString().includes(`k.${k}(`)).map((k) => `${m.kind}: ${k}`));
    expect(uncalled).toEqual([]);
  });

  it('a tester in test/kernels/ calls every kernel and its reference', () => {
    expect(kernels.flatMap((k) => [k, `${k}_reference`]).filter((name) => !testers.includes(`'${name}'`))).toEqual([]);
  });

  it('docs/KERNELS.md gives every kernel\'s signature', () => {
    expect(kernels.filter((k) => !new RegExp(`\\b${k}\\(`).test(kernelsDoc))).toEqual([]);
  });
});
