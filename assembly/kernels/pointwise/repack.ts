// pointwise — direct repacks between the SIMD builds' packed layouts (SIMD128 ops only, so both SIMD
// builds have them; the fallback is unpack then pack, which pointwise_repack's other cases and the
// tester (test/kernels/unpack.tester.ts) use). Exact: the bytes the target build's pointwise_pack
// makes from the plain weights, padding included, with no plain intermediate.
//
// c2x8 (simd128.ts, kp2 = round_up(cin, 8)): block b, k-pair j, 16 bytes; byte 4c + 2t + 1 = w[8b+c][2j+t]
//   (int8), byte 4c + 2t = w[8b+4+c][2j+t] + 128 (as uint8), c < 4, t < 2. Padding: 0 high, 128 low.
// c4x8 (relaxed.ts, kp4 = round_up(cin, 16)): block b, k-quad q, 32 bytes; byte 4c + t = w[8b+c][4q+t]
//   (c < 8, t < 4): channels 0-3 in the first 16 bytes, 4-7 in the second. Padding: 0.
// A quad is two consecutive pairs, so per quad: two 16-byte loads, two byte shuffles, one xor 0x80
// (the +128 of the low bytes), two stores. kp4 - kp2 is 0 or 8 (two quads: zeros in c4x8; never
// stored in c2x8, whose kp2/4 quads all lie within kp4).

/**
 * c2x8 (SIMD128's pointwise_pack) → c4x8 (the relaxed build's). In place too (dst == src, a block of
 * c4x8's size): blocks and quads run from the last down, so every write lands at or after the bytes it
 * was read from, past every byte still to be read.
 */
export function repack_c2x8_c4x8_simd128(src: usize, cin: i32, cout: i32, dst: usize): void {
  const kp2 = (cin + 7) & ~7;
  const kp4 = (cin + 15) & ~15;
  const nb = (cout + 7) >> 3;
  const bias = i8x16.splat(-128);
  const z = i32x4.splat(0);
  const q2 = <usize>kp2 << 3; // bytes per block, c2x8
  const q4 = <usize>kp4 << 3; // and c4x8
  for (let b = nb - 1; b >= 0; b--) {
    const sb = src + <usize>b * q2;
    let d = dst + <usize>b * q4 + q2;
    if (kp4 != kp2) {
      // the 8 k that c4x8 pads beyond c2x8's kp2: two zero quads
      v128.store(d, z);
      v128.store(d, z, 16);
      v128.store(d, z, 32);
      v128.store(d, z, 48);
    }
    let s = sb + q2;
    while (s > sb) {
      s -= 32;
      d -= 32;
      const p0 = v128.load(s), p1 = v128.load(s, 16);
      // channels 0-3: the high (odd) bytes, pair 0's two k then pair 1's two k per channel
      v128.store(d, i8x16.shuffle(p0, p1, 1, 3, 17, 19, 5, 7, 21, 23, 9, 11, 25, 27, 13, 15, 29, 31));
      // channels 4-7: the low (even) bytes, unbiased
      v128.store(d, v128.xor(i8x16.shuffle(p0, p1, 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26, 12, 14, 28, 30), bias), 16);
    }
  }
}

/**
 * c4x8 (the relaxed build's pointwise_pack) → c2x8 (SIMD128's). In place too (dst == src): forwards,
 * every write lands at or before the bytes it was read from.
 */
export function repack_c4x8_c2x8_simd128(src: usize, cin: i32, cout: i32, dst: usize): void {
  const kp2 = (cin + 7) & ~7;
  const kp4 = (cin + 15) & ~15;
  const nb = (cout + 7) >> 3;
  const bias = i8x16.splat(-128);
  let s = src;
  let d = dst;
  for (let b = 0; b < nb; b++) {
    const end = d + (<usize>kp2 << 3);
    while (d < end) {
      const hi = v128.load(s); // channels 0-3: the high bytes
      const lo = v128.xor(v128.load(s, 16), bias); // channels 4-7, biased: the low bytes
      v128.store(d, i8x16.shuffle(lo, hi, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29));
      v128.store(d, i8x16.shuffle(lo, hi, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31), 16);
      s += 32;
      d += 32;
    }
    s += <usize>(kp4 - kp2) << 3; // c4x8's extra padding quads
  }
}
