// Pillow's 8-bit resampling passes (libImaging/Resample.c, ImagingResampleHorizontal_8bpc /
// ImagingResampleVertical_8bpc) — the scalar definitions (docs/KERNELS.md, "resample").
// Coefficients are Pillow's: 22-bit fixed point, computed on the JS side (worker/image/resample.ts).
// Each output is clip8((1 << 21) + Σ_t k[t] · src[t]) >> 22) with int32 accumulation.

// @ts-ignore: decorator
@inline export const PRECISION_BITS: i32 = 22;
// @ts-ignore: decorator
@inline export const HALF: i32 = 1 << 21;

// @ts-ignore: decorator
@inline function clip8(s: i32): u8 {
  const v = s >> PRECISION_BITS;
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

/**
 * Horizontal pass over `rows` source rows, row r at `src + r * srcStride`.
 * C = 3: source pixels are RGBA (4 bytes; A is never read), output RGB (3 bytes a column).
 * C = 1: source pixels are single bytes (Pillow's L), output 1 byte a column.
 * Output column j of row r: taps t < count[j] over source pixels start[j] + t with the i32 weights
 * k[j * ksize + t]; written at dst + r * dstStride + j * C.
 */
export function resample_h_reference(
  src: usize, srcStride: i32, rows: i32, start: usize, count: usize, k: usize, ksize: i32, nx: i32, C: i32,
  dst: usize, dstStride: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>(r * srcStride);
    const out = dst + <usize>(r * dstStride);
    for (let j = 0; j < nx; j++) {
      const n = load<i32>(count + (<usize>j << 2));
      const first = load<i32>(start + (<usize>j << 2));
      let kp = k + <usize>(j * ksize) * 4;
      if (C == 1) {
        let p = row + <usize>first;
        let s = HALF;
        for (let t = 0; t < n; t++) {
          s += <i32>load<u8>(p) * load<i32>(kp);
          p++;
          kp += 4;
        }
        store<u8>(out + <usize>j, clip8(s));
      } else {
        let p = row + (<usize>first << 2);
        let s0 = HALF, s1 = HALF, s2 = HALF;
        for (let t = 0; t < n; t++) {
          const w = load<i32>(kp);
          s0 += <i32>load<u8>(p) * w;
          s1 += <i32>load<u8>(p, 1) * w;
          s2 += <i32>load<u8>(p, 2) * w;
          p += 4;
          kp += 4;
        }
        const o = out + <usize>(j * 3);
        store<u8>(o, clip8(s0));
        store<u8>(o, clip8(s1), 1);
        store<u8>(o, clip8(s2), 2);
      }
    }
  }
}

/**
 * Vertical pass. Source row r (an absolute row index) lives at `ring + (r % ringRows) * ringStride`
 * (a ring buffer of horizontal-pass rows; ringRows ≥ all rows makes it a plain array).
 * Output row i: for each of the `width` bytes x, taps t < count[i] over rows start[i] + t with the
 * weights k[i * ksize + t]; written at dst + i * dstStride + x.
 */
export function resample_v_reference(
  ring: usize, ringRows: i32, ringStride: i32, width: i32, start: usize, count: usize, k: usize, ksize: i32, ny: i32,
  dst: usize, dstStride: i32,
): void {
  for (let i = 0; i < ny; i++) {
    const n = load<i32>(count + (<usize>i << 2));
    const r0 = <u32>load<i32>(start + (<usize>i << 2)) % <u32>ringRows;
    const kb = k + <usize>(i * ksize) * 4;
    const out = dst + <usize>(i * dstStride);
    for (let x = 0; x < width; x++) {
      let s = HALF;
      let r = r0;
      for (let t = 0; t < n; t++) {
        s += <i32>load<u8>(ring + <usize>(r * <u32>ringStride) + <usize>x) * load<i32>(kb + (<usize>t << 2));
        if (++r == <u32>ringRows) r = 0;
      }
      store<u8>(out + <usize>x, clip8(s));
    }
  }
}

/** Pillow's convert('L') of n RGBA pixels: L = (R·19595 + G·38470 + B·7471 + 0x8000) >> 16. */
export function rgba_to_l_reference(src: usize, n: i32, dst: usize): void {
  for (let i = 0; i < n; i++) {
    const p = src + (<usize>i << 2);
    const l = (<u32>load<u8>(p) * 19595 + <u32>load<u8>(p, 1) * 38470 + <u32>load<u8>(p, 2) * 7471 + 0x8000) >> 16;
    store<u8>(dst + <usize>i, <u8>l);
  }
}
