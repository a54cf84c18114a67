/**
 * Our libjpeg-turbo build (native/jpeg/) against libjpeg's own C code, inside the test build
 * jpeg-turbo-test.wasm (the same objects as the Worker's jpeg-turbo.wasm plus test_api.c):
 *  - each SIMD kernel beside the C function it replaces: the IDCTs on random blocks from sparse to
 *    saturated (coefficients and quantizers over the whole 16-bit range, where libjpeg's 32-bit
 *    arithmetic wraps), YCbCr->RGBA on all 2^24 inputs and every RGB layout on odd widths, the
 *    fancy upsamplers on every width from 3 to 70 and some large ones;
 *  - whole images: every JPEG fixture (4:2:0/4:2:2/4:4:0/4:1:1/4:4:4, gray, CMYK/YCCK, restart
 *    intervals, several scans, progressive, arithmetic) decoded at every DCT scale with the
 *    kernels and with libjpeg's C functions (SIMD off), byte for byte; and the same for 2000
 *    corrupted files (truncated, bit-flipped, stuffed, markers), whose garbage coefficients reach
 *    the kernels' exact 32-bit paths: same pixels, same errors, same truncation verdict.
 * Against Pillow itself the goldens in image.test.ts and decode-budget.test.ts decide.
 * Fixtures: tools/reference/jpeg_kernel_fixtures.sh (test/fixtures/jpeg/).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instantiateJpegDecoder, JpegCodec, jpegEighths, jpegScaledSize, type JpegExports } from '../../worker/image/codec-jpeg.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';
import { mulberry32 } from '../../tools/lib/rng.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');
const read = (rel: string) => new Uint8Array(readFileSync(join(FIX, rel)));
const TEST_WASM = new WebAssembly.Module(readFileSync(join(ROOT, 'native', 'jpeg', 'jpeg-turbo-test.wasm')));

/** The test build's extra entry points (native/jpeg/test_api.c). */
interface JpegTestExports extends JpegExports {
  jd_test_set_simd(on: number): void;
  jd_test_coefficients(src: number, size: number, hash: number): number;
  jd_test_ref_open(src: number, size: number, outColorSpace: number): number;
  jd_test_idct(size: number, simd: number, coef: number, quant: number, out: number, stride: number): void;
  jd_test_ycc_rgb(simd: number, width: number, rows: number, y: number, cb: number, cr: number, inStride: number, out: number, outStride: number): void;
  jd_test_upsample(simd: number, ci: number, width: number, input: number, inStride: number, out: number, outStride: number): void;
}

/** J_COLOR_SPACE values (jpeglib.h) and their pixel sizes. */
const RGB_SPACES: Array<[string, number, number]> = [
  ['JCS_RGB', 2, 3],
  ['JCS_EXT_RGB', 6, 3],
  ['JCS_EXT_RGBX', 7, 4],
  ['JCS_EXT_BGR', 8, 3],
  ['JCS_EXT_BGRX', 9, 4],
  ['JCS_EXT_XBGR', 10, 4],
  ['JCS_EXT_XRGB', 11, 4],
  ['JCS_EXT_RGBA', 12, 4],
  ['JCS_EXT_BGRA', 13, 4],
  ['JCS_EXT_ABGR', 14, 4],
  ['JCS_EXT_ARGB', 15, 4],
];
const JCS_EXT_RGBA = 12;

function testInstance(): JpegTestExports {
  return instantiateJpegDecoder(TEST_WASM) as JpegTestExports;
}

/** Copies bytes into the instance; returns the address. */
function put(ex: JpegExports, bytes: Uint8Array): number {
  const p = ex.malloc(bytes.length);
  new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
  return p;
}

/** The first index where a and b differ, or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('IDCT kernels vs jidctint.c / jidctred.c', () => {
  const ex = testInstance();
  ex.jd_test_ref_open(put(ex, read('jpeg/s444_77x45.jpg')), read('jpeg/s444_77x45.jpg').length, JCS_EXT_RGBA);
  const coef = ex.malloc(128);
  const quant = ex.malloc(128);
  const outC = ex.malloc(64);
  const outS = ex.malloc(64);

  /** Runs both on the block in `c`/`q`; returns a description of the first difference, or null. */
  function compare(size: number, c: Int16Array, q: Int16Array): string | null {
    new Int16Array(ex.memory.buffer, coef, 64).set(c);
    new Int16Array(ex.memory.buffer, quant, 64).set(q);
    new Uint8Array(ex.memory.buffer, outC, 64).fill(0);
    new Uint8Array(ex.memory.buffer, outS, 64).fill(0x5a);
    ex.jd_test_idct(size, 0, coef, quant, outC, 8);
    ex.jd_test_idct(size, 1, coef, quant, outS, 8);
    const a = new Uint8Array(ex.memory.buffer, outC, 64);
    const b = new Uint8Array(ex.memory.buffer, outS, 64);
    for (let r = 0; r < size; r++) for (let k = 0; k < size; k++) if (a[8 * r + k] !== b[8 * r + k]) return `row ${r} col ${k}: C ${a[8 * r + k]}, SIMD ${b[8 * r + k]}; coef [${c}] quant [${q}]`;
    return null;
  }

  /** Blocks from typical to hostile: sparse/dense, small/saturating coefficients, 8-bit/16-bit quantizers. */
  function randomBlock(rnd: () => number, i: number): [Int16Array, Int16Array] {
    const c = new Int16Array(64);
    const q = new Int16Array(64);
    const magnitude = [8, 64, 512, 2048, 65536][i % 5];
    const quantMax = [16, 255, 65536][Math.floor(i / 5) % 3];
    const density = [0.03, 0.2, 0.6, 1][Math.floor(i / 15) % 4];
    for (let k = 0; k < 64; k++) {
      const taper = magnitude > 4096 ? 1 : 1 + k / 8; // real blocks: high frequencies smaller
      c[k] = rnd() < density ? Math.round(((rnd() - 0.5) * magnitude) / taper) : 0;
      q[k] = quantMax > 40000 ? Math.floor(rnd() * 65536) - 32768 : 1 + Math.floor(rnd() * quantMax);
    }
    if (i % 7 === 0) for (let k = 1; k < 64; k++) if (rnd() < 0.9) c[k] = 0; // mostly-zero columns and rows (the C short cuts)
    if (i % 11 === 0) c.fill(0, 1); // DC only
    if (i % 13 === 0) c.fill(0, 32); // rows 4-7 zero (the 8x8 kernel's low-frequency path)
    if (i % 17 === 0) for (let k = 0; k < 64; k++) if (k % 8 >= 4) c[k] = 0; // columns 4-7 zero
    if (i % 19 === 0) for (let k = 0; k < 64; k++) if (k % 8 >= 4 || k >= 32) c[k] = 0; // only the top-left 4x4
    return [c, q];
  }

  for (const size of [8, 4, 2]) {
    it(`${size}x${size}: 30000 random blocks, sparse to saturated, identical output`, () => {
      const rnd = mulberry32(0x1d0 + size);
      for (let i = 0; i < 30000; i++) {
        const [c, q] = randomBlock(rnd, i);
        const diff = compare(size, c, q);
        if (diff) expect.fail(`block ${i}: ${diff}`);
      }
    });

    it(`${size}x${size}: extremes (every coefficient at +-32767/-32768, quantizers +-32767, the 16-bit path's bounds)`, () => {
      const cases: Array<[number, number]> = [
        [32767, 32767],
        [-32768, -32768],
        [-32768, 32767],
        [32767, -1],
        [1, -32768],
        [181, 181],
        [-181, 181],
      ];
      for (const [cv, qv] of cases) {
        for (const pattern of ['all', 'dc', 'column0', 'row0', 'alternate']) {
          const c = new Int16Array(64);
          const q = new Int16Array(64).fill(qv);
          for (let k = 0; k < 64; k++) {
            const keep = pattern === 'all' || (pattern === 'dc' && k === 0) || (pattern === 'column0' && k % 8 === 0) || (pattern === 'row0' && k < 8) || (pattern === 'alternate' && (k & 1) === 0);
            c[k] = keep ? ((k & 2) === 0 ? cv : -cv) : 0;
          }
          const diff = compare(size, c, q);
          if (diff) expect.fail(`${cv}*${qv} ${pattern}: ${diff}`);
        }
      }
      // Around the 16-bit path's limits: products at 2^14, column sums at 5905/5906.
      for (const [cv, qv] of [
        [128, 128],
        [127, 129],
        [-128, 128],
        [5905, 1],
        [5906, 1],
        [738, 8],
        [739, 8],
      ]) {
        const c = new Int16Array(64);
        const q = new Int16Array(64).fill(1);
        for (let r = 0; r < 8; r++) {
          c[8 * r + 3] = r === 0 ? cv : 0;
          q[8 * r + 3] = qv;
        }
        c[0] = 1;
        for (const sign of [1, -1]) {
          c[3] = sign * cv;
          const diff = compare(size, c, q);
          if (diff) expect.fail(`${sign * cv}*${qv}: ${diff}`);
        }
      }
    });
  }
});

describe('YCbCr -> RGB vs jdcolor.c', () => {
  it('RGBA: all 2^24 (Y, Cb, Cr), identical', () => {
    const ex = testInstance();
    const jpeg = read('jpeg/s444_77x45.jpg');
    ex.jd_test_ref_open(put(ex, jpeg), jpeg.length, JCS_EXT_RGBA);
    const width = 65536; // Y = i & 255, Cb = i >> 8; Cr = the row
    const rows = 16;
    const y = ex.malloc(width * rows),
      cb = ex.malloc(width * rows),
      cr = ex.malloc(width * rows);
    const outC = ex.malloc(width * rows * 4),
      outS = ex.malloc(width * rows * 4);
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < width; i++) {
        new Uint8Array(ex.memory.buffer, y, width * rows)[r * width + i] = i & 255;
        new Uint8Array(ex.memory.buffer, cb, width * rows)[r * width + i] = i >> 8;
      }
    for (let cr0 = 0; cr0 < 256; cr0 += rows) {
      const crPlane = new Uint8Array(ex.memory.buffer, cr, width * rows);
      for (let r = 0; r < rows; r++) crPlane.fill(cr0 + r, r * width, (r + 1) * width);
      ex.jd_test_ycc_rgb(0, width, rows, y, cb, cr, width, outC, width * 4);
      ex.jd_test_ycc_rgb(1, width, rows, y, cb, cr, width, outS, width * 4);
      const a = new Uint8Array(ex.memory.buffer, outC, width * rows * 4);
      const b = new Uint8Array(ex.memory.buffer, outS, width * rows * 4);
      const d = firstDiff(a, b);
      if (d >= 0) {
        const px = d >> 2;
        expect.fail(`Y ${px & 255} Cb ${(px % width) >> 8} Cr ${cr0 + Math.floor(px / width)} byte ${d & 3}: C ${a[d]}, SIMD ${b[d]}`);
      }
    }
  });

  it('every RGB layout (RGB, BGR, RGBX, XBGR, ..., ARGB), widths 1-70 and 1000, identical, nothing written past the row', () => {
    const rnd = mulberry32(7);
    const jpeg = read('jpeg/s444_77x45.jpg');
    for (const [name, cs, pixelSize] of RGB_SPACES) {
      const ex = testInstance();
      ex.jd_test_ref_open(put(ex, jpeg), jpeg.length, cs);
      for (const width of [...Array.from({ length: 70 }, (_, i) => i + 1), 1000]) {
        const rows = 3;
        const stride = width + 64; // libjpeg's sample rows are padded to 64 samples
        const planes = [0, 1, 2].map(() => {
          const p = ex.malloc(stride * rows);
          const v = new Uint8Array(ex.memory.buffer, p, stride * rows);
          for (let i = 0; i < v.length; i++) v[i] = Math.floor(rnd() * 256);
          return p;
        });
        const outStride = width * pixelSize + 32; // 32 guard bytes after each row
        const outs = [0, 1].map((simd) => {
          const o = ex.malloc(outStride * rows);
          new Uint8Array(ex.memory.buffer, o, outStride * rows).fill(0xa5);
          ex.jd_test_ycc_rgb(simd, width, rows, planes[0], planes[1], planes[2], stride, o, outStride);
          return new Uint8Array(ex.memory.buffer, o, outStride * rows).slice();
        });
        const d = firstDiff(outs[0], outs[1]);
        if (d >= 0) expect.fail(`${name} width ${width}: byte ${d % outStride} of row ${Math.floor(d / outStride)}: C ${outs[0][d]}, SIMD ${outs[1][d]}`);
        for (let r = 0; r < rows; r++) expect(outs[1].subarray(r * outStride + width * pixelSize, (r + 1) * outStride).every((v) => v === 0xa5)).toBe(true);
      }
    }
  });
});

describe('fancy upsampling vs jdsample.c', () => {
  for (const [kind, fixture] of [
    ['h2v2 (4:2:0)', 'jpeg/s420_77x45.jpg'],
    ['h2v1 (4:2:2)', 'jpeg/s422_77x45.jpg'],
  ] as const) {
    it(`${kind}: widths 3-70, 333, 1024, 4000, random rows, identical`, () => {
      const rnd = mulberry32(kind.length);
      const ex = testInstance();
      const jpeg = read(fixture);
      const vmax = ex.jd_test_ref_open(put(ex, jpeg), jpeg.length, JCS_EXT_RGBA);
      for (const width of [...Array.from({ length: 68 }, (_, i) => i + 3), 333, 1024, 4000]) {
        const inStride = width + 80; // row padding as libjpeg allocates it (multiples of 64 samples)
        const input = ex.malloc(inStride * (vmax + 2));
        const inView = new Uint8Array(ex.memory.buffer, input, inStride * (vmax + 2));
        for (let i = 0; i < inView.length; i++) inView[i] = rnd() < 0.1 ? (rnd() < 0.5 ? 0 : 255) : Math.floor(rnd() * 256);
        const outStride = 2 * width + 64;
        const outs = [0, 1].map((simd) => {
          const o = ex.malloc(outStride * vmax);
          ex.jd_test_upsample(simd, 1, width, input + inStride, inStride, o, outStride);
          return new Uint8Array(ex.memory.buffer, o, outStride * vmax).slice();
        });
        for (let r = 0; r < vmax; r++) {
          const d = firstDiff(outs[0].subarray(r * outStride, r * outStride + 2 * width), outs[1].subarray(r * outStride, r * outStride + 2 * width));
          if (d >= 0) expect.fail(`width ${width} row ${r} sample ${d}: C ${outs[0][r * outStride + d]}, SIMD ${outs[1][r * outStride + d]}`);
        }
      }
    });
  }
});

function parses(rel: string): boolean {
  try {
    readImageHeader(read(rel), 'jpeg');
    return true;
  } catch {
    return false;
  }
}

const KERNEL_FIXTURES = readdirSync(join(FIX, 'jpeg'))
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => `jpeg/${f}`);
const PHOTO_JPEGS = readdirSync(join(FIX, 'photos'))
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => `photos/${f}`);

/** A codec on the test build: with our SIMD kernels, or with libjpeg's C functions only. */
function codec(kind: 'simd' | 'c'): JpegCodec {
  return new JpegCodec(TEST_WASM, (e) => (e as JpegTestExports).jd_test_set_simd(kind === 'simd' ? 1 : 0));
}

type Outcome = { pixels: Uint8Array; truncated: boolean } | { error: string };

function decodeWith(c: JpegCodec, bytes: Uint8Array, eighths: number, width: number, height: number, cmyk: boolean): Outcome {
  try {
    return c.decode(bytes, { width, height, scale: jpegEighths(eighths), cmyk }, (img, warning) => ({
      pixels: new Uint8Array(img.data).slice(),
      truncated: /premature end of jpeg file/i.test(warning ?? ''),
    }));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function sameOutcome(a: Outcome, b: Outcome): string | null {
  if ('error' in a || 'error' in b) {
    if ('error' in a && 'error' in b) return a.error === b.error ? null : `errors differ: ${a.error} / ${b.error}`;
    return `one failed: ${'error' in a ? a.error : 'ok'} / ${'error' in b ? b.error : 'ok'}`;
  }
  if (a.truncated !== b.truncated) return `truncation differs: ${a.truncated} / ${b.truncated}`;
  const d = firstDiff(a.pixels, b.pixels);
  return d < 0 ? null : `pixel byte ${d}: ${a.pixels[d]} / ${b.pixels[d]}`;
}

describe('corrupted files', () => {
  it('2000 mutants of the fixtures: kernels and C give the same pixels, the same errors, the same truncation verdict', () => {
    const rnd = mulberry32(2024);
    const simd = codec('simd');
    const c = codec('c');
    const sources = [
      'jpeg/s420_77x45.jpg',
      'jpeg/restart1_s420_77x45.jpg',
      'jpeg/restart2rows_s422_77x45.jpg',
      'jpeg/multiscan_s420_77x45.jpg',
      'jpeg/q100_s444_77x45.jpg',
      'jpeg/gray_77x45.jpg',
      'photos/video001_cmyk_150x103.jpg',
    ];
    let decoded = 0;
    for (let i = 0; i < 2000; i++) {
      const rel = sources[i % sources.length];
      const orig = read(rel);
      const h = readImageHeader(orig, 'jpeg');
      const start = h.jpeg!.sosOffset; // mutate the entropy-coded data (and what follows), never the frame header
      const span = orig.length - start;
      let b = orig.slice();
      const pos = () => start + Math.floor(rnd() * span);
      switch (i % 6) {
        case 0: // truncated, with or without an EOI after the cut
          b = b.slice(0, pos());
          if (rnd() < 0.5) b = Uint8Array.from([...b, 0xff, 0xd9]);
          break;
        case 1: // bit flips
          for (let k = 0, n = 1 + Math.floor(rnd() * 8); k < n; k++) b[pos()] ^= 1 << Math.floor(rnd() * 8);
          break;
        case 2: // random bytes over a stretch
          for (let k = pos(), n = Math.floor(rnd() * 40); n > 0 && k < b.length; k++, n--) b[k] = Math.floor(rnd() * 256);
          break;
        case 3: {
          // an inserted FF 00 / FF FF / RSTn / other marker
          const ins = [
            [0xff, 0x00],
            [0xff, 0xff, 0x00],
            [0xff, 0xd0 + Math.floor(rnd() * 8)],
            [0xff, 0xd9],
            [0xff, 0xff, 0xd3],
            [0xff, 0xc4],
          ][Math.floor(rnd() * 6)];
          const at = pos();
          b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
          break;
        }
        case 4: // a run of zeros or ones
          b.fill(rnd() < 0.5 ? 0 : 0xff, pos(), pos());
          break;
        case 5: {
          // bytes deleted
          const at = pos();
          b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + Math.floor(rnd() * 12)))]);
          break;
        }
      }
      const cmyk = h.jpeg!.components === 4;
      for (const m of [8, 1]) {
        const { width: w, height: hh } = jpegScaledSize(h.width, h.height, jpegEighths(m));
        const a = decodeWith(simd, b, m, h.width, h.height, cmyk);
        const t = decodeWith(c, b, m, h.width, h.height, cmyk);
        const diff = sameOutcome(a, t);
        if (diff) expect.fail(`mutant ${i} of ${rel} (kind ${i % 6}) at ${m}/8 (${w}x${hh}): ${diff}`);
        if (!('error' in a)) decoded++;
      }
    }
    expect(decoded).toBeGreaterThan(2000); // most mutants decode (with gray patches), so pixels were compared
  });
});

describe('whole images: kernels vs libjpeg C, byte for byte', () => {
  const simd = codec('simd');
  const c = codec('c');
  // Scales as M/8: every M for the small files (3/8, 5/8, 6/8, 7/8 use libjpeg's scalar NxN IDCTs,
  // but our upsampling and colour kernels at widths no other scale gives).
  const EVERY_M = [1, 2, 3, 4, 5, 6, 7, 8];
  const cases: Array<[string, number[]]> = [
    ...[...KERNEL_FIXTURES, ...PHOTO_JPEGS.filter((f) => !f.includes('dandelions'))].map((f) => [f, EVERY_M] as [string, number[]]),
    ['photos/dandelions_5312x2988.jpg', [4, 2, 1]], // 15.9 Mpx progressive: the scales the Worker uses
    ['large/rings_7745x5161.jpg', [2, 1]], // 40 Mpx baseline
    // The hostile JPEGs that get past our header parser (the others never reach libjpeg).
    ...readdirSync(join(FIX, 'hostile'))
      .filter((f) => f.endsWith('.jpg') && parses(`hostile/${f}`))
      .map((f) => [`hostile/${f}`, [8, 1]] as [string, number[]]),
  ];
  for (const [rel, eighths] of cases) {
    it(`${rel} at ${eighths.map((m) => `${m}/8`).join(', ')}`, () => {
      const bytes = read(rel);
      const h = readImageHeader(bytes, 'jpeg');
      const cmyk = h.jpeg?.components === 4;
      for (const m of eighths) {
        const a = decodeWith(simd, bytes, m, h.width, h.height, cmyk);
        const t = decodeWith(c, bytes, m, h.width, h.height, cmyk);
        const diff = sameOutcome(a, t);
        if (diff) expect.fail(`${m}/8: ${diff}`);
      }
    });
  }
});
