/**
 * The network as one plan (worker/model/plan.ts, assembly/plan.ts run_plan) computes what the per-op
 * path computes, bit for bit, in the scalar and SIMD128 builds (the relaxed build: in workerd,
 * test/workers/relaxed-engine.test.ts): the bundled default model at its 64² and at 224² (the same
 * weights on GhostNetV2-1.0's ImageNet-size maps, every kernel shape of the 224² network), and the
 * tiny test model. An engine binary without run_plan runs op by op.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelFile } from '../../worker/model/format.ts';
import { canPlan, PLAN_KERNELS, RECORD_BYTES } from '../../worker/model/plan.ts';
import { KERNEL_FAMILIES } from '../../worker/kernels.ts';
import { engineExports, engineModule } from '../../tools/engine-node.ts';
import { atInputSize, planAgainstPerOp } from '../helpers/plan.ts';

const read = (path: string) => parseModelFile(readFileSync(new URL(`../../${path}`, import.meta.url)));
const def = read('models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2'); // the bundled default (worker/models.ts)
const tiny = read('test/fixtures/models/tiny_w015_c10_s64.int8.gnv2');

describe('the network as one plan', () => {
  for (const build of ['scalar', 'simd128'] as const) {
    it(`${build}: the bundled default model at 64² and at 224², and the tiny model: plan and per-op path give the same bytes in every tensor and the same logits`, async () => {
      for (const [model, runs] of [
        [def, 3],
        [await atInputSize(def, 224), 1],
        [tiny, 3],
      ] as const) {
        const r = planAgainstPerOp(model, engineModule(build), runs, 0x9a1);
        expect(r.variant).toBe(build);
        expect(r.paths).toEqual([true, false]);
        expect(r.differ).toEqual([]);
      }
    }, 120_000);
  }

  it("the plan's kernels are engine kernels, with their arguments in one record; a binary without run_plan (or another record size) runs op by op", () => {
    const ex = engineExports('simd128') as unknown as Record<string, unknown>;
    expect(ex.plan_record_bytes && (ex.plan_record_bytes as () => number)()).toBe(RECORD_BYTES);
    const params = Object.fromEntries(KERNEL_FAMILIES.filter((f) => f.module === 'engine').flatMap((f) => Object.entries(f.kernels)));
    for (const [name, k] of Object.entries(PLAN_KERNELS)) {
      expect(params[name], name).toBeDefined();
      expect(4 * (1 + params[name].length), name).toBeLessThanOrEqual(RECORD_BYTES);
      for (const i of k!.f32) expect(params[name][i], `${name} argument ${i}`).toMatch(/^(scale|m[AB])$/);
    }
    expect(new Set(Object.values(PLAN_KERNELS).map((k) => k!.code)).size).toBe(Object.keys(PLAN_KERNELS).length);
    const calls = [{ kernel: 'add', args: [0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, -128, 127] }] as const;
    const k = engineExports('simd128') as unknown as Parameters<typeof canPlan>[0];
    expect(canPlan(k, calls as never)).toBe(true);
    expect(canPlan({ ...k, run_plan: undefined } as never, calls as never)).toBe(false);
    expect(canPlan({ ...k, plan_record_bytes: () => RECORD_BYTES + 4 } as never, calls as never)).toBe(false);
    expect(canPlan(k, [{ kernel: 'im2col_3x3s2', args: [0, 0, 0, 0, 0] }] as never)).toBe(false);
  });
});
