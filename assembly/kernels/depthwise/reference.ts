// Depthwise k×k convolution, NHWC int8 — the scalar definition (docs/KERNELS.md, "depthwise").
//   ph = kh >> 1, pw = kw >> 1; OH = (H + 2ph - kh) / stride + 1; OW likewise
//   acc = bias[c] + Σ_{taps inside the image} w[c][ky][kx] * (x[iy][ix][c] - zpIn)
//   y[oy][ox][c] = requant(acc, scale[c], zpOut, qmin, qmax)
// Weights are plain int8 [C][kh][kw]. Padding taps are skipped (they act as x = zpIn).
import { requant } from '../../requant';

export function depthwise_reference(
  x: usize, H: i32, W: i32, C: i32, xStride: i32, w: usize, bias: usize, scale: usize,
  kh: i32, kw: i32, stride: i32, zpIn: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  const ph = kh >> 1;
  const pw = kw >> 1;
  const OH = (H + 2 * ph - kh) / stride + 1;
  const OW = (W + 2 * pw - kw) / stride + 1;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const out = y + <usize>((oy * OW + ox) * yStride);
      for (let c = 0; c < C; c++) {
        let acc = load<i32>(bias + (<usize>c << 2));
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride - ph + ky;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride - pw + kx;
            if (ix < 0 || ix >= W) continue;
            const xv = <i32>load<i8>(x + <usize>((iy * W + ix) * xStride + c));
            const wv = <i32>load<i8>(w + <usize>((c * kh + ky) * kw + kx));
            acc += wv * (xv - zpIn);
          }
        }
        store<i8>(out + <usize>c, <i8>requant(acc, load<f32>(scale + (<usize>c << 2)), zpOut, qmin, qmax));
      }
    }
  }
}

/** The reference "packs" to the plain layout: a copy. */
export function depthwise_packed_size_reference(C: i32, kh: i32, kw: i32): i32 {
  return C * kh * kw;
}

export function depthwise_pack_reference(w: usize, C: i32, kh: i32, kw: i32, dst: usize): void {
  memory.copy(dst, w, <usize>(C * kh * kw));
}

export function depthwise_unpack_reference(packed: usize, C: i32, kh: i32, kw: i32, w: usize): void {
  memory.copy(w, packed, <usize>(C * kh * kw));
}
