// Partial vector stores: SIMD kernels write exactly their slice, never a byte past it
// (Ghost concat halves are neighbours in one buffer).

/** Stores the low r (< 16) bytes of v at p. */
// @ts-ignore: decorator
@inline export function storeTail(p: usize, v: v128, r: i32): void {
  if (r & 8) {
    v128.store64_lane(p, v, 0);
    v = i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0);
    p += 8;
  }
  if (r & 4) {
    v128.store32_lane(p, v, 0);
    v = i8x16.shuffle(v, v, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0);
    p += 4;
  }
  if (r & 2) {
    v128.store16_lane(p, v, 0);
    v = i8x16.shuffle(v, v, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0);
    p += 2;
  }
  if (r & 1) v128.store8_lane(p, v, 0);
}
