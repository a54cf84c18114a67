// Average pools — the scalar definitions (docs/KERNELS.md, "pool").
import { requant } from '../../requant';

/**
 * 2×2 average pool, stride 2, floor: OH = H >> 1, OW = W >> 1.
 * acc = Σ_{2x2} (x - zpIn); y = requant(acc, scale, zpOut, qmin, qmax)  (scale carries the 1/4).
 */
export function avgpool2x2_reference(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpIn: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const OH = H >> 1;
  const OW = W >> 1;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const p00 = x + <usize>(((2 * oy) * W + 2 * ox) * xStride);
      const p01 = p00 + <usize>xStride;
      const p10 = p00 + <usize>(W * xStride);
      const p11 = p10 + <usize>xStride;
      const out = y + <usize>((oy * OW + ox) * yStride);
      for (let c = 0; c < C; c++) {
        const o = <usize>c;
        const acc = (<i32>load<i8>(p00 + o) - zpIn) + (<i32>load<i8>(p01 + o) - zpIn) +
          (<i32>load<i8>(p10 + o) - zpIn) + (<i32>load<i8>(p11 + o) - zpIn);
        store<i8>(out + o, <i8>requant(acc, scale, zpOut, qmin, qmax));
      }
    }
  }
}

/**
 * Global average pool over `pixels` pixels: acc[c] = Σ_p (x[p][c] - zpIn);
 * y[c] = requant(acc, scale, zpOut, -128, 127). y is dense (C bytes).
 */
export function global_avgpool_reference(
  x: usize, pixels: i32, C: i32, xStride: i32, zpIn: i32, scale: f32, y: usize, zpOut: i32,
): void {
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let p = 0; p < pixels; p++) acc += <i32>load<i8>(x + <usize>(p * xStride + c)) - zpIn;
    store<i8>(y + <usize>c, <i8>requant(acc, scale, zpOut, -128, 127));
  }
}
