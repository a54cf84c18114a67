// The peak probe (build/probe.{simd128,relaxed}.wasm): the machine's int8 dot-product throughput
// in WebAssembly, measured by the benchmark in its own process so that every kernel family's
// GMAC/s can be read as a fraction of what this CPU and this V8 can do at best.
//
// dot_peak: eight independent accumulator chains `acc += i32x4.dot_i16x8_s(x, w)` with every
// operand in a register (4 weight vectors, 1 activation vector changed by one i16x8.add per
// iteration so that nothing is loop-invariant): 64 MACs per iteration, no loads, no stores.
// 13 of the 15 xmm registers V8 allocates (xmm15 is its scratch), so nothing spills. Of the loop
// shapes tried (3×4 register tile with loads: spills, 33 GMAC/s; 4×2 with loads: 43; 6×2 with
// loads: 34), this one is the fastest: it is the ceiling a GEMM microkernel can approach.
//
// relaxed_dot_peak: the same with i32x4.relaxed_dot_i8x16_i7x16_add_s (16 MACs per instruction,
// the add folded in), for the relaxed build's ceiling on runtimes that implement it.

// The operands go through memory: V8 would rematerialize splats of a parameter inside the loop
// (a vmovd + vpbroadcastw per use), loaded vectors stay in registers.
const OPS: usize = memory.data(80, 16);

// @ts-ignore: decorator
@inline function operands(seed: i32): void {
  for (let i = 0; i < 5; i++) v128.store(OPS + (<usize>i << 4), i16x8.splat(<i16>(seed + i * i + 1)));
}

/** Runs `iters` iterations of 8 dot+add chains (64 MACs each); returns a value that depends on all of them. */
export function dot_peak(iters: i32, seed: i32): i32 {
  operands(seed);
  const w0 = v128.load(OPS), w1 = v128.load(OPS, 16), w2 = v128.load(OPS, 32), w3 = v128.load(OPS, 48);
  let x = v128.load(OPS, 64);
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < iters; i++) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x, w0)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x, w1));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(x, w2)); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(x, w3));
    a4 = i32x4.add(a4, i32x4.dot_i16x8_s(w0, x)); a5 = i32x4.add(a5, i32x4.dot_i16x8_s(w1, x));
    a6 = i32x4.add(a6, i32x4.dot_i16x8_s(w2, x)); a7 = i32x4.add(a7, i32x4.dot_i16x8_s(w3, x));
    x = i16x8.add(x, w0);
  }
  const t = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  return i32x4.extract_lane(t, 0) ^ i32x4.extract_lane(t, 3);
}

/** MACs per iteration of dot_peak. */
export function dot_peak_macs(): i32 {
  return 64;
}

/** The relaxed form: 8 chains of relaxed_dot_i8x16_i7x16_add_s (128 MACs per iteration); 0 iterations in the SIMD128 build. */
export function relaxed_dot_peak(iters: i32, seed: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  operands(seed);
  const w0 = v128.load(OPS), w1 = v128.load(OPS, 16), w2 = v128.load(OPS, 32), w3 = v128.load(OPS, 48);
  let x = v128.and(v128.load(OPS, 64), i8x16.splat(63));
  const step = i8x16.splat(1);
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < iters; i++) {
    a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w0, x, a0); a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w1, x, a1);
    a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w2, x, a2); a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(w3, x, a3);
    a4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w0, a4); a5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w1, a5);
    a6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w2, a6); a7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w3, a7);
    x = v128.and(i8x16.add(x, step), i8x16.splat(63));
  }
  const t = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  return i32x4.extract_lane(t, 0) ^ i32x4.extract_lane(t, 3);
}
