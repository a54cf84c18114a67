// run_plan: a whole network's kernel calls in one call from JS. At prepare, each op writes one
// fixed-size record per kernel call (worker/model/plan.ts: the kernel's code, then its arguments as
// eval would pass them) into a table in this memory; eval is then run_plan(table, count) instead of
// ~40 JS → WebAssembly calls into ~10 exported entry points.
//
// Why: workerd flushes every function V8 has not optimised yet whenever it creates another isolate
// in the process (tools/repro/liftoff-flush), and each such function is compiled again on its next
// call. The exported entry points run ~40 times a request, far from V8's tier-up budget, so a request
// after a flush compiled them all again. Here they are inlined into this loop, and so is the
// once-per-layer dispatch code under them (@inline on the kernels' dispatchers, down to the row and
// tile loops: pointwise, pools, gates, stem and im2col; depthwise's into its own dispatcher, which
// start-up optimises too). The loop's body is large (V8 charges a Liftoff loop's code size per
// iteration against the budget), so V8 optimises run_plan during the start-up warm-up and the
// optimised code survives the flush: the relaxed build's first request after a flush compiles no
// engine function (docs/benchmarks/request.md, 2026-12-08, "the dispatch chain inlined").
//
// A record: RECORD_WORDS little-endian 32-bit words; word 0 the kernel's code (PLAN_* below), words
// 1.. its arguments in the kernel's order (worker/kernels.ts), f32 arguments as f32 bits, pointers
// and counts as i32. The codes and the layout are worker/model/plan.ts's; plan_record_bytes() lets the
// engine refuse a binary whose layout differs (it then runs op by op).
import { add } from './kernels/add';
import { depthwise } from './kernels/depthwise';
import { channel_scale, gate_upsample_mul, lut_u8 } from './kernels/gate';
import { pointwise, pointwise_f32 } from './kernels/pointwise';
import { avgpool2x2, global_avgpool } from './kernels/pool';
import { stem_3x3s2 } from './kernels/stem';

/** Words per record: the code and up to 19 arguments (depthwise takes 17). */
const RECORD_WORDS: i32 = 20;
const RECORD_BYTES: usize = <usize>RECORD_WORDS << 2;

/** A record that does nothing: worker/model/plan.ts warmPlan runs tables of them (why: there). */
const PLAN_NOP: i32 = 0;
const PLAN_POINTWISE: i32 = 1;
const PLAN_POINTWISE_F32: i32 = 2;
const PLAN_DEPTHWISE: i32 = 3;
const PLAN_STEM_3X3S2: i32 = 4;
const PLAN_ADD: i32 = 5;
const PLAN_AVGPOOL2X2: i32 = 6;
const PLAN_GLOBAL_AVGPOOL: i32 = 7;
const PLAN_LUT_U8: i32 = 8;
const PLAN_GATE_UPSAMPLE_MUL: i32 = 9;
const PLAN_CHANNEL_SCALE: i32 = 10;

/** Bytes of one plan record in this build (worker/model/plan.ts checks it against its own). */
export function plan_record_bytes(): i32 {
  return <i32>RECORD_BYTES;
}

/** Runs `count` records from `plan` in order. An unknown code traps (the engine never writes one). */
export function run_plan(plan: usize, count: i32): void {
  let r = plan;
  for (let i = 0; i < count; i++, r += RECORD_BYTES) {
    switch (load<i32>(r)) {
      case PLAN_NOP:
        break;
      case PLAN_POINTWISE:
        pointwise(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<usize>(r, 20), load<usize>(r, 24), load<usize>(r, 28),
          load<i32>(r, 32), load<usize>(r, 36), load<i32>(r, 40), load<i32>(r, 44), load<i32>(r, 48), load<i32>(r, 52),
        );
        break;
      case PLAN_POINTWISE_F32:
        pointwise_f32(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<usize>(r, 20), load<usize>(r, 24), load<usize>(r, 28),
          load<i32>(r, 32), load<usize>(r, 36), load<i32>(r, 40),
        );
        break;
      case PLAN_DEPTHWISE:
        depthwise(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<i32>(r, 20), load<usize>(r, 24), load<usize>(r, 28), load<usize>(r, 32),
          load<i32>(r, 36), load<i32>(r, 40), load<i32>(r, 44), load<i32>(r, 48), load<usize>(r, 52), load<i32>(r, 56), load<i32>(r, 60), load<i32>(r, 64), load<i32>(r, 68),
        );
        break;
      case PLAN_STEM_3X3S2:
        stem_3x3s2(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<usize>(r, 20), load<usize>(r, 24), load<usize>(r, 28),
          load<i32>(r, 32), load<usize>(r, 36), load<i32>(r, 40), load<i32>(r, 44), load<i32>(r, 48), load<i32>(r, 52), load<usize>(r, 56),
        );
        break;
      case PLAN_ADD:
        add(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<i32>(r, 20), load<f32>(r, 24),
          load<usize>(r, 28), load<i32>(r, 32), load<i32>(r, 36), load<f32>(r, 40),
          load<usize>(r, 44), load<i32>(r, 48), load<i32>(r, 52), load<i32>(r, 56), load<i32>(r, 60),
        );
        break;
      case PLAN_AVGPOOL2X2:
        avgpool2x2(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<i32>(r, 20), load<i32>(r, 24), load<f32>(r, 28),
          load<usize>(r, 32), load<i32>(r, 36), load<i32>(r, 40), load<i32>(r, 44), load<i32>(r, 48),
        );
        break;
      case PLAN_GLOBAL_AVGPOOL:
        global_avgpool(load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<i32>(r, 20), load<f32>(r, 24), load<usize>(r, 28), load<i32>(r, 32));
        break;
      case PLAN_LUT_U8:
        lut_u8(load<usize>(r, 4), load<i32>(r, 8), load<usize>(r, 12), load<usize>(r, 16));
        break;
      case PLAN_GATE_UPSAMPLE_MUL:
        gate_upsample_mul(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<i32>(r, 20), load<i32>(r, 24), load<usize>(r, 28), load<i32>(r, 32), load<i32>(r, 36), load<f32>(r, 40),
          load<usize>(r, 44), load<i32>(r, 48), load<i32>(r, 52), load<i32>(r, 56), load<i32>(r, 60),
        );
        break;
      case PLAN_CHANNEL_SCALE:
        channel_scale(
          load<usize>(r, 4), load<i32>(r, 8), load<i32>(r, 12), load<i32>(r, 16), load<i32>(r, 20), load<usize>(r, 24), load<f32>(r, 28),
          load<usize>(r, 32), load<i32>(r, 36), load<i32>(r, 40), load<i32>(r, 44), load<i32>(r, 48),
        );
        break;
      default:
        unreachable();
    }
  }
}
