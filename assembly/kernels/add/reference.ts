// Residual add with requantization — the scalar definition (docs/KERNELS.md, "add").
//   y = clamp(round_half_even(f32(a - zpA) * mA + f32(b - zpB) * mB) + zpOut, qmin, qmax)   (requant.ts quantize)
// Two f32 products, then one f32 add, in that order; no FMA.
import { quantize } from '../../requant';

export function add_reference(
  a: usize, pixels: i32, C: i32, aStride: i32, zpA: i32, mA: f32,
  b: usize, bStride: i32, zpB: i32, mB: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  for (let p = 0; p < pixels; p++) {
    const ap = a + <usize>(p * aStride);
    const bp = b + <usize>(p * bStride);
    const yp = y + <usize>(p * yStride);
    for (let c = 0; c < C; c++) {
      const fa: f32 = <f32>(<i32>load<i8>(ap + <usize>c) - zpA) * mA;
      const fb: f32 = <f32>(<i32>load<i8>(bp + <usize>c) - zpB) * mB;
      store<i8>(yp + <usize>c, <i8>quantize(fa + fb, zpOut, qmin, qmax));
    }
  }
}
