// Lookup-table gates and the multiplies they feed — the scalar definitions (docs/KERNELS.md, "gate").
// Gate values are u8 on the grid g/255; `scale` = s_x / (255 · s_y).
import { requant } from '../../requant';

/** y[i] = lut[x[i] + 128] (x int8, lut u8[256], y u8). */
export function lut_u8_reference(x: usize, n: i32, lut: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    store<u8>(y + <usize>i, load<u8>(lut + <usize>(<i32>load<i8>(x + <usize>i) + 128)));
  }
}

/**
 * Nearest upsample of the gate g (u8, dense [gh][gw][C]) to H×W, times x:
 *   sy = (oy * gh) / H, sx = (ox * gw) / W   (integer floor)
 *   y[oy][ox][c] = requant((x[oy][ox][c] - zpX) * g[sy][sx][c], scale, zpOut, qmin, qmax)
 */
export function gate_upsample_mul_reference(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, zpX: i32, g: usize, gh: i32, gw: i32, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  for (let oy = 0; oy < H; oy++) {
    const sy = (oy * gh) / H;
    for (let ox = 0; ox < W; ox++) {
      const sx = (ox * gw) / W;
      const p = oy * W + ox;
      const xp = x + <usize>(p * xStride);
      const gp = g + <usize>((sy * gw + sx) * C);
      const yp = y + <usize>(p * yStride);
      for (let c = 0; c < C; c++) {
        const acc = (<i32>load<i8>(xp + <usize>c) - zpX) * <i32>load<u8>(gp + <usize>c);
        store<i8>(yp + <usize>c, <i8>requant(acc, scale, zpOut, qmin, qmax));
      }
    }
  }
}

/** Per-channel gate (SE): y[p][c] = requant((x[p][c] - zpX) * g[c], scale, zpOut, qmin, qmax). */
export function channel_scale_reference(
  x: usize, pixels: i32, C: i32, xStride: i32, zpX: i32, g: usize, scale: f32,
  y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  for (let p = 0; p < pixels; p++) {
    const xp = x + <usize>(p * xStride);
    const yp = y + <usize>(p * yStride);
    for (let c = 0; c < C; c++) {
      const acc = (<i32>load<i8>(xp + <usize>c) - zpX) * <i32>load<u8>(g + <usize>c);
      store<i8>(yp + <usize>c, <i8>requant(acc, scale, zpOut, qmin, qmax));
    }
  }
}
