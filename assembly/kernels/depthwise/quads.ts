// Quad entries, shared by the AVX-VNNI depthwise forms of the relaxed build (vnni3x3.ts, vnni5.ts):
// per pixel (or pair of outputs) and group of four channels, 16 bytes holding per channel the four
// input bytes one relaxed dot-add multiplies with (x_a, x_b, x_c, x_d) ^ 0x80, so that vpdpbusd's
// unsigned operand is the input and the start value's −128·Σw makes the sum exact.

/** 16 bytes of 0x80 (loaded, not a constant: V8 rematerializes a v128 constant in every iteration); relaxed build only (the SIMD128 build stays byte for byte as without these files). */
export const X80: usize = ASC_FEATURE_RELAXED_SIMD ? memory.data<u8>([128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128], 16) : 0;

/** Four 16-channel columns → the four groups' quad entries (A[c], B[c], C[c], D[c]), 64 bytes at e. */
// @ts-ignore: decorator
@inline export function emitQuads(e: usize, A: v128, B: v128, Cv: v128, D: v128): void {
  const abL = i8x16.shuffle(A, B, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const abH = i8x16.shuffle(A, B, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const cdL = i8x16.shuffle(Cv, D, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const cdH = i8x16.shuffle(Cv, D, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  v128.store(e, i16x8.shuffle(abL, cdL, 0, 8, 1, 9, 2, 10, 3, 11));
  v128.store(e, i16x8.shuffle(abL, cdL, 4, 12, 5, 13, 6, 14, 7, 15), 16);
  v128.store(e, i16x8.shuffle(abH, cdH, 0, 8, 1, 9, 2, 10, 3, 11), 32);
  v128.store(e, i16x8.shuffle(abH, cdH, 4, 12, 5, 13, 6, 14, 7, 15), 48);
}

/** n (4, 8, 12 or 16) bytes from p, never more (a call's last block of channels); the lanes past n are don't-care (groups not computed). */
// @ts-ignore: decorator
@inline export function loadTail(p: usize, n: i32): v128 {
  if (n >= 16) return v128.load(p);
  if (n == 4) return v128.load32_zero(p);
  const v = v128.load64_zero(p);
  return n == 8 ? v : v128.load32_lane(p + 8, v, 2);
}

/** Entries [b, end) of padding (zpIn ^ 0x80 in every byte): a row or line outside the input. */
// @ts-ignore: decorator
@inline export function padQuads(b: usize, end: usize, pad: v128): void {
  for (let e = b; e < end; e += 64) {
    v128.store(e, pad); v128.store(e, pad, 16); v128.store(e, pad, 32); v128.store(e, pad, 48);
  }
}
