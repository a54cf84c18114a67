/**
 * Every op the engine runs has kernels, and every kernel has a reference, a tester and a doc entry.
 * The op kinds come from the graphs of all three families (buildGraph), so a new op kind fails here
 * until it is added to OP_KERNELS; a kernel then fails until it is exported by every build with its
 * `_reference`, called by the engine, exercised by a tester in test/kernels/, and described in
 * docs/KERNELS.md (where docs/ARCHITECTURE.md says a new op or kernel family goes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAMILIES, netSpec } from '../../worker/model/architecture.ts';
import { buildGraph } from '../../worker/model/graph.ts';
import { engineExports } from '../../tools/engine-node.ts';

/** The kernel exports the engine calls for each op kind (worker/model/engine.ts, prepare). */
const OP_KERNELS: Record<string, string[]> = {
  stem: ['im2col_3x3s2', 'pointwise'],
  pointwise: ['pointwise'],
  classifier: ['pointwise_f32'],
  depthwise: ['depthwise'],
  avgpool2x2: ['avgpool2x2'],
  global_avgpool: ['global_avgpool'],
  dfc_gate: ['lut_u8', 'gate_upsample_mul'],
  se_gate: ['lut_u8', 'channel_scale'],
  add: ['add'],
};

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const testers = readdirSync(new URL('test/kernels/', root)).filter((f) => f.endsWith('.tester.ts')).map((f) => read(`test/kernels/${f}`)).join('\n');
const engineSource = read('worker/model/engine.ts');
const kernelsDoc = read('docs/KERNELS.md');
const kernels = [...new Set(Object.values(OP_KERNELS).flat())];

describe('op and kernel coverage', () => {
  it('every op kind of every family graph has its kernels listed', () => {
    const kinds = new Set<string>();
    for (const family of FAMILIES) for (const op of buildGraph(netSpec(1.0, 1000, family), 224).ops) kinds.add(op.kind);
    expect([...kinds].filter((k) => !(k in OP_KERNELS))).toEqual([]);
    expect(Object.keys(OP_KERNELS).filter((k) => !kinds.has(k))).toEqual([]); // no stale rows
  });

  it.each(['scalar', 'simd128'] as const)('the %s build exports every kernel and its _reference', (build) => {
    const ex = engineExports(build);
    const missing = kernels.flatMap((k) => [k, `${k}_reference`]).filter((name) => typeof ex[name] !== 'function');
    expect(missing).toEqual([]);
  });

  it('the engine calls every listed kernel', () => {
    expect(kernels.filter((k) => !engineSource.includes(`k.${k}(`))).toEqual([]);
  });

  it('a tester in test/kernels/ calls every kernel and its reference', () => {
    expect(kernels.flatMap((k) => [k, `${k}_reference`]).filter((name) => !testers.includes(`'${name}'`))).toEqual([]);
  });

  it('docs/KERNELS.md gives every kernel\'s signature', () => {
    expect(kernels.filter((k) => !new RegExp(`\\b${k}\\(`).test(kernelsDoc))).toEqual([]);
  });
});
