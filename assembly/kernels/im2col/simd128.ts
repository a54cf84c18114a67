// im2col — SIMD128 variant (bit-exact with reference.ts).
// An interior patch row is three 9-byte runs of the input (kx, c contiguous in HWC), so each output
// row is written with three overlapping 16-byte stores (input rows iy0, iy0+1, iy0+2 at offsets
// 0, 9, 18) and one 8-byte store of zpIn at offset 27. Each store runs up to 3 bytes into the next
// output row, which is written afterwards (rows go in increasing order); the last row of dst and
// every patch that touches the padding take the scalar path, so nothing is stored past dst's end.
// Loads read up to 7 bytes past an input row (within the arena's 64-byte slack).

// @ts-ignore: decorator
@inline
function patch(x: usize, H: i32, W: i32, zp: i8, oy: i32, ox: i32, d: usize): void {
  for (let ky = 0; ky < 3; ky++) {
    const iy = 2 * oy - 1 + ky;
    for (let kx = 0; kx < 3; kx++) {
      const ix = 2 * ox - 1 + kx;
      const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
      const src = x + <usize>((iy * W + ix) * 3);
      const o = d + <usize>(ky * 9 + kx * 3);
      store<i8>(o, inside ? load<i8>(src) : zp);
      store<i8>(o, inside ? load<i8>(src, 1) : zp, 1);
      store<i8>(o, inside ? load<i8>(src, 2) : zp, 2);
    }
  }
  store<u32>(d, <u32>(<u8>zp) * 0x01010101, 27);
  store<i8>(d, zp, 31);
}

// @ts-ignore: decorator
@inline export function im2col_3x3s2(x: usize, H: i32, W: i32, zpIn: i32, dst: usize): void {
  const OH = (H + 1) >> 1, OW = (W + 1) >> 1;
  const zp = <i8>zpIn;
  const zpv = i8x16.splat(zp);
  const rowBytes = <usize>W * 3;
  // Patches with 1 ≤ ox < oxEnd have all three columns inside: 2*ox + 1 ≤ W - 1.
  const oxEnd = min((W >> 1), OW);
  const last = OH * OW - 1;
  let d = dst;
  for (let oy = 0; oy < OH; oy++) {
    const rowInside = oy >= 1 && 2 * oy + 1 <= H - 1;
    let ox = 0;
    if (rowInside) {
      patch(x, H, W, zp, oy, 0, d);
      d += 32;
      ox = 1;
      let end = oxEnd;
      // keep the very last row of dst off the overlapping path
      if (oy * OW + end - 1 >= last) end = last - oy * OW;
      let src = x + <usize>(2 * oy - 1) * rowBytes + 3;       // (iy0, ix0 = 1)
      for (; ox < end; ox++) {
        const r0 = v128.load(src);
        const r1 = v128.load(src + rowBytes);
        const r2 = v128.load(src + 2 * rowBytes);
        v128.store(d, r0);
        v128.store(d, r1, 9);
        v128.store(d, r2, 18);
        v128.store64_lane(d, zpv, 0, 27);
        src += 6;
        d += 32;
      }
    }
    for (; ox < OW; ox++) {
      patch(x, H, W, zp, oy, ox, d);
      d += 32;
    }
  }
}
