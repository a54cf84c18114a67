/**
 * imageStats (worker/image/domain.ts) sums integers for speed; the colourfulness must be exactly
 * what the Hasler–Süsstrunk formula gives when written out plainly over the same sample grid, and
 * the border brightness what one luma sample at a time gives.
 */
import { describe, expect, it } from 'vitest';
import { imageStats } from '../../worker/image/domain.ts';
import { mulberry32 } from '../../tools/lib/rng.ts';

/** M = σ_rgyb + 0.3·μ_rgyb, rg = R − G, yb = (R + G)/2 − B, over every step-th pixel of every step-th row. */
function plainColourfulness(w: number, h: number, data: Uint8ClampedArray, step: number): number {
  const rg: number[] = [],
    yb: number[] = [];
  for (let y = 0; y < h; y += step)
    for (let x = 0; x < w; x += step) {
      const i = 4 * (y * w + x);
      rg.push(data[i] - data[i + 1]);
      yb.push((data[i] + data[i + 1]) / 2 - data[i + 2]);
    }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const meanSq = (a: number[]) => a.reduce((s, v) => s + v * v, 0) / a.length;
  const mRg = mean(rg),
    mYb = mean(yb);
  const v = Math.max(0, meanSq(rg) - mRg * mRg) + Math.max(0, meanSq(yb) - mYb * mYb);
  return Math.sqrt(v) + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
}

/** Mean luma of the border, one sample at a time: the top and bottom rows (every along-th pixel), then the left and right columns. */
function plainBorder(w: number, h: number, data: Uint8ClampedArray): number {
  const along = Math.max(1, Math.ceil(Math.max(w, h) / 1024));
  const samples: number[] = [];
  const luma = (x: number, y: number) => {
    const i = (y * w + x) * 4;
    samples.push(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]);
  };
  for (let x = 0; x < w; x += along) luma(x, 0), luma(x, h - 1);
  for (let y = 0; y < h; y += along) luma(0, y), luma(w - 1, y);
  return samples.reduce((s, v) => s + v, 0) / samples.length;
}

describe('imageStats', () => {
  it('border = the mean of the border samples one at a time, bit for bit (1 px, thin, square, > 1024 px sides)', () => {
    const rand = mulberry32(0xb0d);
    for (const [w, h] of [
      [1, 1],
      [1, 7],
      [9, 1],
      [2, 2],
      [37, 23],
      [640, 427],
      [1025, 3],
      [3, 2049],
      [3000, 2001],
    ]) {
      const data = new Uint8ClampedArray(4 * w * h);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
      expect(imageStats({ width: w, height: h, data, orientation: 1 }).border, `${w}x${h}`).toBe(plainBorder(w, h, data));
    }
  });

  it('colourfulness = the plain formula, bit for bit, on random images (flat, saturated, noisy; 1 px to 600×400)', () => {
    const rand = mulberry32(0xd0e);
    for (let t = 0; t < 40; t++) {
      const w = 1 + Math.floor(rand() * (t < 20 ? 40 : 600)),
        h = 1 + Math.floor(rand() * (t < 20 ? 40 : 400));
      const data = new Uint8ClampedArray(4 * w * h);
      const kind = t % 3;
      for (let i = 0; i < data.length; i++) data[i] = kind === 0 ? Math.floor(rand() * 256) : kind === 1 ? (rand() < 0.5 ? 0 : 255) : 77 + (i % 4);
      const step = Math.max(1, Math.ceil(Math.sqrt((w * h) / 16384)));
      expect(imageStats({ width: w, height: h, data, orientation: 1 }).colourfulness, `${w}x${h} kind ${kind}`).toBe(plainColourfulness(w, h, data, step));
    }
  });

  it('a very wide row of saturated pixels (sums past int32 within one row) and pixels at an odd byte offset: still the plain formula', () => {
    // 300000×2: step 7, ~42900 samples per row; yellow/blue stripes make (2·yb)² = 260100 per
    // sample, 1.1e10 per row: int32 sums over a whole row would wrap.
    const rand = mulberry32(0x51de);
    for (const [w, h] of [
      [300000, 2],
      [1, 200000],
    ]) {
      const data = new Uint8ClampedArray(4 * w * h);
      for (let p = 0; p < w * h; p++) data.set(rand() < 0.5 ? [255, 255, 0, 255] : [0, 0, 255, 255], 4 * p);
      const step = Math.max(1, Math.ceil(Math.sqrt((w * h) / 16384)));
      expect(imageStats({ width: w, height: h, data, orientation: 1 }).colourfulness, `${w}x${h}`).toBe(plainColourfulness(w, h, data, step));
    }
    const w = 333,
      h = 211;
    const odd = new Uint8ClampedArray(new ArrayBuffer(4 * w * h + 1), 1, 4 * w * h);
    for (let i = 0; i < odd.length; i++) odd[i] = Math.floor(rand() * 256);
    const stats = imageStats({ width: w, height: h, data: odd, orientation: 1 });
    expect(stats.colourfulness).toBe(plainColourfulness(w, h, odd, Math.ceil(Math.sqrt((w * h) / 16384))));
    expect(stats).toEqual(imageStats({ width: w, height: h, data: odd.slice(), orientation: 1 }));
  });
});
