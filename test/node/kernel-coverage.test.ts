/**
 * The op registry and the kernel manifest hold together. Every op kind of the graphs of all three
 * families (buildGraph) has a module in the op registry (worker/model/ops/), which calls each kernel
 * it lists. Every kernel of the manifest (worker/kernels.ts) is exported by the scalar and SIMD128
 * builds of its module with its `_reference`, called by a tester in test/kernels/, and has its
 * signature, with the manifest's parameters, in docs/KERNELS.md; every variant names its kernel and
 * ISA, has its source file, and (SIMD variants) has its own cases in test/kernels/variants.ts and a
 * planted bug in tools/mutants/list.ts; the variant table in docs/KERNELS.md is the generated one.
 * Every `_reference` export is a manifest kernel, and every family has its row in the table-driven
 * kernel tests (and, for the engine's, in the relaxed build's tests in workerd and the shared
 * mutants). docs/ARCHITECTURE.md says where a new op or kernel goes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withVariantTable } from '../../tools/docs/kernels.ts';
import { engineExports, resampleModule } from '../../tools/engine-node.ts';
import { MUTANTS } from '../../tools/mutants/list.ts';
import { FAMILIES, netSpec } from '../../worker/model/architecture.ts';
import { buildGraph } from '../../worker/model/graph.ts';
import { KERNEL_FAMILIES, VARIANTS } from '../../worker/kernels.ts';
import { OPS } from '../../worker/model/ops/index.ts';
import { VARIANT_CASES } from '../kernels/variants.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const testers = readdirSync(new URL('test/kernels/', root))
  .filter((f) => f.endsWith('.tester.ts'))
  .map((f) => read(`test/kernels/${f}`))
  .join('\n');
const kernelsDoc = read('docs/KERNELS.md');
const simdVariants = VARIANTS.filter((v) => v.isa !== 'scalar');

describe('op registry', () => {
  it('every op kind of every family graph has a module in the op registry, and every module is used', () => {
    const kinds = new Set<string>();
    for (const family of FAMILIES) for (const op of buildGraph(netSpec(1.0, 1000, family), 224).ops) kinds.add(op.kind);
    expect([...kinds].filter((k) => !(k in OPS))).toEqual([]);
    expect(Object.keys(OPS).filter((k) => !kinds.has(k))).toEqual([]); // no stale modules
    for (const [kind, m] of Object.entries(OPS)) expect(m.kind).toBe(kind);
  });

  it('every op module calls each kernel it lists', () => {
    // eval is the kernel calls prepare returns, call('<kernel>', ...) (ops/op.ts); a size helper prepare calls itself, k.<name>(...)
    // (the transpiled source: `call)("<kernel>",` once imported)
    const calls = (src: string, k: string) => new RegExp(`\\bcall\\)?\\(["']${k}["'],`).test(src) || src.includes(`k.${k}(`);
    const uncalled = Object.values(OPS).flatMap((m) => m.kernels.filter((k) => !calls(m.prepare.toString(), k)).map((k) => `${m.kind}: ${k}`));
    expect(uncalled).toEqual([]);
  });
});

describe('kernel manifest', () => {
  it.each(['scalar', 'simd128'] as const)('the %s builds export every kernel with its _reference and every packer, with the manifest arity', (build) => {
    const ex = { engine: engineExports(build), resample: new WebAssembly.Instance(resampleModule(build), {}).exports as Record<string, unknown> };
    const wrong: string[] = [];
    for (const f of KERNEL_FAMILIES) {
      const own = ex[f.module] as Record<string, unknown>;
      const entries: [string, readonly string[]][] = [
        ...Object.entries(f.kernels).flatMap(
          ([k, p]) =>
            [
              [k, p],
              [`${k}_reference`, p],
            ] as [string, readonly string[]][],
        ),
        ...Object.entries('packers' in f ? f.packers : {}),
      ];
      for (const [name, params] of entries) {
        const fn = own[name];
        if (typeof fn !== 'function') wrong.push(`${f.module}: no ${name}`);
        else if (fn.length !== params.length) wrong.push(`${f.module}: ${name} takes ${fn.length} parameters, the manifest lists ${params.length}`);
      }
    }
    // The other way round: a kernel in assembly/ (an export with a `_reference`) that the manifest
    // does not list would escape every check below.
    for (const module of ['engine', 'resample'] as const) {
      const listed = new Set(KERNEL_FAMILIES.filter((f) => f.module === module).flatMap((f) => Object.keys(f.kernels)));
      for (const name of Object.keys(ex[module]))
        if (name.endsWith('_reference') && !listed.has(name.slice(0, -'_reference'.length))) wrong.push(`${module}: ${name.slice(0, -'_reference'.length)} is exported but not in worker/kernels.ts`);
    }
    expect(wrong).toEqual([]);
  });

  it('every family has its row in the table of test/node/kernels.test.ts; every engine family its line in test/workers/relaxed-engine.test.ts and in the shared mutants (tools/mutants/list.ts ALL_FAMILIES)', () => {
    const table = read('test/node/kernels.test.ts');
    const relaxed = read('test/workers/relaxed-engine.test.ts');
    const allFamilies = /const ALL_FAMILIES = \[([^\]]*)\]/.exec(read('tools/mutants/list.ts'))?.[1] ?? '';
    const wrong: string[] = [];
    for (const f of KERNEL_FAMILIES) {
      if (!table.includes(`name: '${f.family}',`)) wrong.push(`${f.family}: no row in test/node/kernels.test.ts`);
      if (f.module !== 'engine') continue;
      if (!relaxed.includes(`['${f.family}', `)) wrong.push(`${f.family}: not in test/workers/relaxed-engine.test.ts's families`);
      if (!allFamilies.includes(`'${f.family}'`)) wrong.push(`${f.family}: not in tools/mutants/list.ts ALL_FAMILIES`);
    }
    expect(wrong).toEqual([]);
  });

  it('a tester in test/kernels/ calls every kernel and its reference', () => {
    const names = KERNEL_FAMILIES.flatMap((f) => Object.keys(f.kernels)).flatMap((k) => [k, `${k}_reference`]);
    expect(names.filter((name) => !testers.includes(`'${name}'`))).toEqual([]);
  });

  it("docs/KERNELS.md gives every kernel's signature with the manifest's parameters", () => {
    const wrong: string[] = [];
    for (const f of KERNEL_FAMILIES)
      for (const [k, params] of Object.entries(f.kernels)) {
        const m = new RegExp(`^${k}\\(([^)]*)\\)`, 'm').exec(kernelsDoc);
        const doc = m?.[1]
          .replace(/\/\*.*?\*\//g, '')
          .split(',')
          .map((p) => p.trim());
        if (!doc || doc.join(',') !== params.join(',')) wrong.push(`${k}: doc (${doc?.join(', ') ?? 'missing'}), manifest (${params.join(', ')})`);
      }
    expect(wrong).toEqual([]);
  });

  it('docs/KERNELS.md has the generated variant table (npm run docs:kernels)', () => {
    expect(withVariantTable(kernelsDoc) === kernelsDoc).toBe(true);
  });

  it('every variant is named <kernel>_<what>_<isa>, once, and its source file exists', () => {
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const f of KERNEL_FAMILIES)
      for (const v of f.variants) {
        if (seen.has(v.name)) wrong.push(`${v.name}: listed twice`);
        seen.add(v.name);
        if (!(v.entry in f.kernels)) wrong.push(`${v.name}: entry ${v.entry} is not a ${f.family} kernel`);
        if (!new RegExp(`^${v.entry}_[A-Za-z0-9_]+_${v.isa}$|^${v.entry}_${v.isa}$`).test(v.name)) wrong.push(`${v.name}: not ${v.entry}_<what>_${v.isa}`);
        if (!existsSync(new URL(`assembly/kernels/${f.family}/${v.source}`, root))) wrong.push(`${v.name}: no assembly/kernels/${f.family}/${v.source}`);
      }
    expect(wrong).toEqual([]);
  });

  it('every kernel has a scalar variant, and a family with several variants of one ISA says which calls reach each', () => {
    const wrong: string[] = [];
    for (const f of KERNEL_FAMILIES) {
      const runs = (v: { entry: string; also?: readonly string[] }, k: string) => v.entry === k || !!v.also?.includes(k);
      for (const k of Object.keys(f.kernels)) if (!f.variants.some((v) => runs(v, k) && v.isa === 'scalar')) wrong.push(`${k}: no scalar variant`);
      const vs = f.variants as readonly { name: string; isa: string; entry: string; reaches?: unknown }[];
      for (const v of vs) if (vs.filter((o) => o.entry === v.entry && o.isa === v.isa).length > 1 && !v.reaches) wrong.push(`${v.name}: no reaches`);
    }
    expect(wrong).toEqual([]);
  });

  it('every SIMD variant has its own cases (test/kernels/variants.ts), and every case row names a variant', () => {
    expect(simdVariants.filter((v) => !VARIANT_CASES[v.name as keyof typeof VARIANT_CASES]?.length).map((v) => v.name)).toEqual([]);
    expect(Object.keys(VARIANT_CASES).filter((n) => !simdVariants.some((v) => v.name === n))).toEqual([]);
  });

  it('every SIMD variant has a planted bug of its own in tools/mutants/list.ts, and every variant a mutant names exists', () => {
    expect(simdVariants.filter((v) => !MUTANTS.some((m) => m.variant === v.name)).map((v) => v.name)).toEqual([]);
    expect(MUTANTS.filter((m) => m.variant && !simdVariants.some((v) => v.name === m.variant)).map((m) => m.id)).toEqual([]);
  });
});
