// stem — the 3x3 stride-2 pad-1 convolution of the 3-channel input (docs/KERNELS.md). The definition:
//   OH = (H + 1) >> 1, OW = (W + 1) >> 1; for output pixel (oy, ox), channel o:
//   acc = bias[o] + Σ_{ky,kx<3, c<3} w[o][(ky*3 + kx)*3 + c] * v(2oy − 1 + ky, 2ox − 1 + kx, c)
//   where v is x (int8 HWC, 3 channels, dense) inside the image and zpIn outside (the input zero point
//   is folded into bias at prepare, so padding must read as zpIn);
//   y[(oy*OW + ox)*yStride + o] = requant(acc, scale[o], zpOut, qmin, qmax).
// Weights are plain int8 [cout][ky][kx][c] (27 per channel). `scratch` is unused here (the SIMD
// variants' working memory, stem_3x3s2_scratch_size bytes). Plain loops: this is the spec.
import { requant } from '../../requant';

export function stem_3x3s2_reference(
  x: usize, H: i32, W: i32, zpIn: i32, w: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32, scratch: usize,
): void {
  const OH = (H + 1) >> 1, OW = (W + 1) >> 1;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const yp = y + <usize>(oy * OW + ox) * <usize>yStride;
      for (let o = 0; o < cout; o++) {
        let acc = load<i32>(bias + (<usize>o << 2));
        for (let ky = 0; ky < 3; ky++) {
          const iy = 2 * oy - 1 + ky;
          for (let kx = 0; kx < 3; kx++) {
            const ix = 2 * ox - 1 + kx;
            const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            for (let c = 0; c < 3; c++) {
              const v = inside ? <i32>load<i8>(x + <usize>((iy * W + ix) * 3 + c)) : zpIn;
              acc += <i32>load<i8>(w + <usize>(o * 27 + (ky * 3 + kx) * 3 + c)) * v;
            }
          }
        }
        store<i8>(yp + <usize>o, <i8>requant(acc, load<f32>(scale + (<usize>o << 2)), zpOut, qmin, qmax));
      }
    }
  }
}
