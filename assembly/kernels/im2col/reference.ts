// im2col — stem patches for the 3x3 stride-2 pad-1 convolution (docs/KERNELS.md):
//   OH = (H + 1) >> 1, OW = (W + 1) >> 1; row r = oy*OW + ox of dst holds 32 bytes:
//   the 27 taps in (ky, kx, c) order, then 5 bytes of zpIn; out-of-image taps are zpIn.
// x is int8 HWC with 3 channels (dense). Plain loops: this is the spec.

export function im2col_3x3s2_reference(x: usize, H: i32, W: i32, zpIn: i32, dst: usize): void {
  const OH = (H + 1) >> 1, OW = (W + 1) >> 1;
  const zp = <i8>zpIn;
  let d = dst;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let ky = 0; ky < 3; ky++) {
        const iy = 2 * oy - 1 + ky;
        for (let kx = 0; kx < 3; kx++) {
          const ix = 2 * ox - 1 + kx;
          const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
          for (let c = 0; c < 3; c++) {
            store<i8>(d++, inside ? load<i8>(x + <usize>((iy * W + ix) * 3 + c)) : zp);
          }
        }
      }
      for (let i = 0; i < 5; i++) store<i8>(d++, zp);
    }
  }
}
