/**
 * im2col tester (XNNPACK style), shared by the Node tests and the workerd run. Environment-agnostic.
 * Runs the build's `im2col_3x3s2` and `im2col_3x3s2_reference` on the same image into two identically
 * poisoned buffers and requires byte equality of the whole output plus 32 poison bytes after it;
 * the input must come back unchanged. Failures name the seed; `im2colCase(h, seed)` replays one.
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';

const POISON = 0xa5;

export interface Im2colShape {
  H: number;
  W: number;
  zp?: number;
  /** byte offset of the image from a 16-byte aligned block */
  xOffset?: number;
  /** byte offset of the output from a 16-byte aligned block */
  dstOffset?: number;
}

export function im2colShape(h: Harness, seed: number, shape: Im2colShape): void {
  const rng = new Rng(seed);
  const { H, W } = shape;
  const zp = shape.zp ?? rng.int(-128, 127);
  const xOffset = shape.xOffset ?? 0,
    dstOffset = shape.dstOffset ?? 0;
  const OH = (H + 1) >> 1,
    OW = (W + 1) >> 1;
  const n = OH * OW * 32;
  const x = rng.i8(xOffset + H * W * 3);
  const what = `im2col_3x3s2 H=${H} W=${W} zp=${zp} xOffset=${xOffset} dstOffset=${dstOffset}`;
  h.scoped(() => {
    const xp = h.put(x);
    const d1 = h.out(dstOffset + n, POISON),
      d2 = h.out(dstOffset + n, POISON);
    h.fn('im2col_3x3s2')(xp + xOffset, H, W, zp, d1 + dstOffset);
    h.fn('im2col_3x3s2_reference')(xp + xOffset, H, W, zp, d2 + dstOffset);
    const got = h.bytes(d1, dstOffset + n + 32),
      want = h.bytes(d2, dstOffset + n + 32);
    const d = firstDifference(got, want);
    if (d >= 0) {
      const e = d - dstOffset;
      const where = e < 0 ? 'before the output' : e >= n ? 'in the poison after the output' : `at row ${e >> 5} byte ${e & 31}`;
      throw new Error(`im2col mismatch (seed ${seed}) ${what}: byte ${d} ${where}: got ${got[d]} want ${want[d]}`);
    }
    if (firstDifference(h.bytes(xp, x.length), new Uint8Array(x.buffer)) >= 0) throw new Error(`im2col modified its input (seed ${seed}) ${what}`);
  });
}

export function randomIm2colShape(seed: number): Im2colShape {
  const rng = new Rng(seed ^ 0x51ed270b);
  const r = rng.next();
  const H = r < 0.1 ? rng.int(1, 3) : r < 0.9 ? rng.int(1, 40) : rng.int(40, 130);
  const W = r < 0.1 ? rng.int(1, 3) : r < 0.9 ? rng.int(1, 40) : rng.int(40, 130);
  return { H, W, xOffset: rng.next() < 0.5 ? 0 : rng.int(1, 15), dstOffset: rng.next() < 0.5 ? 0 : rng.int(1, 15) };
}

export function im2colCase(h: Harness, seed: number): void {
  im2colShape(h, seed, randomIm2colShape(seed));
}

/** `count` random images (1..130 per side, odd and even), plus the GhostNet stem input sizes. */
export function im2colCases(h: Harness, rng: Rng, count: number): void {
  for (const [H, W] of [
    [224, 224],
    [225, 223],
    [160, 160],
    [2, 2],
    [1, 1],
    [1, 7],
    [7, 1],
    [4, 5],
  ]) {
    im2colShape(h, rng.int(0, 0x7fffffff), { H, W });
  }
  for (let i = 0; i < count; i++) im2colCase(h, rng.int(0, 0x7fffffff));
}

/** Compares im2col_3x3s2_reference with a JS evaluation of the contract. */
export function im2colReferenceChecks(h: Harness, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const seed = rng.int(0, 0x7fffffff);
    const r = new Rng(seed);
    const H = r.int(1, 17),
      W = r.int(1, 17),
      zp = r.int(-128, 127);
    const x = r.i8(H * W * 3);
    const OH = (H + 1) >> 1,
      OW = (W + 1) >> 1;
    const want = new Int8Array(OH * OW * 32 + 32).fill((POISON << 24) >> 24);
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const row = (oy * OW + ox) * 32;
        let j = 0;
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            for (let c = 0; c < 3; c++) {
              const iy = 2 * oy - 1 + ky,
                ix = 2 * ox - 1 + kx;
              want[row + j++] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(iy * W + ix) * 3 + c] : zp;
            }
          }
        }
        while (j < 32) want[row + j++] = zp;
      }
    }
    h.scoped(() => {
      const xp = h.put(x);
      const dp = h.out(OH * OW * 32, POISON);
      h.fn('im2col_3x3s2_reference')(xp, H, W, zp, dp);
      const d = firstDifference(h.bytes(dp, want.length), new Uint8Array(want.buffer));
      if (d >= 0) throw new Error(`im2col reference differs from the JS contract (seed ${seed}, H=${H} W=${W} zp=${zp}): byte ${d}`);
    });
  }
}
