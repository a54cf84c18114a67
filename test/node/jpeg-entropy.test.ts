/**
 * Our baseline Huffman decoder (native/jpeg/huff_wasm.c, built into libjpeg's jdhuff.c) against
 * libjpeg's own, in the test build jpeg-turbo-test.wasm: jd_test_set_huffman(0) makes the entropy
 * decoder run libjpeg's code only. Compared per file: every coefficient of every scan, every
 * warning (code and parameters, in order), the input position and pending marker after the last
 * scan, and the error message if it fails — on the real JPEGs and on mutants of three photos in
 * which the fast path runs (it only takes MCUs with >= 512 bytes per block still to come, so the
 * 77x45 fixtures never reach it): truncations, bit flips, random stretches, stuffed FF 00 / FF FF 00
 * and stray markers (RSTn, EOI, DHT) in the data, runs of 00 or FF, deleted bytes, damaged Huffman
 * tables. Lockstep (test build only): every MCU decoded by libjpeg and, from the same state, by ours,
 * the states after it and the blocks compared, on the real files and 330 mutants — the invariant
 * the design rests on, seen MCU by MCU rather than only in its results. And whole decodes (the one-pass path, where a block is zeroed once per MCU and a failed
 * fast attempt's coefficients stay under the careful path's) of mutants, pixel for pixel.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instantiateJpegDecoder, JpegCodec, jpegScale, type JpegExports } from '../../worker/image/codec-jpeg.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');
const files = new Map<string, Uint8Array>();
const read = (rel: string) => files.get(rel) ?? (files.set(rel, new Uint8Array(readFileSync(join(FIX, rel)))), files.get(rel)!);
const TEST_WASM = new WebAssembly.Module(readFileSync(join(ROOT, 'native', 'jpeg', 'jpeg-turbo-test.wasm')));

interface EntropyExports extends JpegExports {
  jd_test_set_huffman(on: number): void;
  jd_test_entropy(src: number, size: number): number;
  jd_test_set_lockstep(on: number): void;
  jd_test_lockstep_result(): number;
}

/**
 * Lockstep: every MCU decoded by libjpeg's decode_mcu, the state put back, then by ours (test
 * build only, huff_wasm.c): [MCUs compared, index of the first whose state or blocks differ, or -1].
 * A decode that fails still reports the MCUs before the failure.
 */
function lockstep(bytes: Uint8Array): [number, number] {
  const ex = instantiateJpegDecoder(TEST_WASM) as EntropyExports;
  ex.jd_test_set_lockstep(1);
  entropy(ex, bytes, true);
  const [mcus, first] = new Int32Array(ex.memory.buffer, ex.jd_test_lockstep_result(), 2);
  return [mcus, first];
}

/** Hash of the entropy decoder's whole behaviour on `bytes` (see test_api.c), or the error; ours or libjpeg's. */
function entropy(ex: EntropyExports, bytes: Uint8Array, ours: boolean): string {
  try {
    const p = ex.malloc(bytes.length);
    new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
    ex.jd_test_set_huffman(ours ? 1 : 0);
    const h = ex.jd_test_entropy(p, bytes.length) >>> 0;
    ex.free(p);
    return `ok ${h.toString(16)}`;
  } catch (e) {
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** One instance, replaced after an error (a failed decode leaves it unusable: nothing is freed). */
let instance: EntropyExports | null = null;
function run(bytes: Uint8Array, ours: boolean): string {
  instance ??= instantiateJpegDecoder(TEST_WASM) as EntropyExports;
  const r = entropy(instance, bytes, ours);
  if (r.startsWith('error')) instance = null;
  return r;
}
function compareEntropy(bytes: Uint8Array): { ours: string; libjpeg: string } {
  return { ours: run(bytes, true), libjpeg: run(bytes, false) };
}

/** `a` with `ins` inserted at `at` and `del` bytes removed there. */
function splice(a: Uint8Array, at: number, ins: ArrayLike<number>, del = 0): Uint8Array {
  const end = Math.min(a.length, at + del);
  const out = new Uint8Array(at + ins.length + a.length - end);
  out.set(a.subarray(0, at));
  out.set(ins, at);
  out.set(a.subarray(end), at + ins.length);
  return out;
}

/** xorshift32, so that a failing mutant can be rebuilt from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Offset and length of the first DHT segment's payload. */
function dhtSpan(b: Uint8Array): [number, number] {
  for (let i = 2; i + 4 < b.length; ) {
    if (b[i] !== 0xff) return [0, 0];
    const len = (b[i + 2] << 8) | b[i + 3];
    if (b[i + 1] === 0xc4) return [i + 4, len - 2];
    i += 2 + len;
  }
  return [0, 0];
}

const MUTATIONS = 11;
/** Mutant `i` of `orig` (kind i % MUTATIONS): damage in the entropy-coded data, or in its Huffman table. */
function mutate(orig: Uint8Array, i: number, rnd: () => number): Uint8Array {
  const start = readImageHeader(orig, 'jpeg').jpeg!.sosOffset;
  // Most damage lands where the fast path runs (well before the last 512 bytes per block).
  const pos = () => start + Math.floor(rnd() * (orig.length - start) * 0.9);
  const insert = (at: number, ins: number[]) => splice(orig, at, ins);
  const b = orig.slice();
  switch (i % MUTATIONS) {
    case 0: { // truncated, with or without an EOI after the cut
      const cut = pos();
      return rnd() < 0.5 ? orig.slice(0, cut) : splice(orig.subarray(0, cut), cut, [0xff, 0xd9]);
    }
    case 1: // bit flips
      for (let k = 0, n = 1 + Math.floor(rnd() * 8); k < n; k++) b[pos()] ^= 1 << Math.floor(rnd() * 8);
      return b;
    case 2: // random bytes over a stretch
      for (let k = pos(), n = Math.floor(rnd() * 40); n > 0 && k < b.length; k++, n--) b[k] = Math.floor(rnd() * 256);
      return b;
    case 3: // stuffing: FF 00 or FF FF 00 (a data FF to libjpeg's careful reader, a marker to its fast one)
      return insert(pos(), rnd() < 0.5 ? [0xff, 0x00] : [0xff, 0xff, 0x00]);
    case 4: // a stray marker: RSTn, EOI, FF FF RSTn, DHT, SOS
      return insert(pos(), [[0xff, 0xd0 + Math.floor(rnd() * 8)], [0xff, 0xd9], [0xff, 0xff, 0xd3], [0xff, 0xc4], [0xff, 0xda]][Math.floor(rnd() * 5)]);
    case 5: // a run of zeros or ones
      b.fill(rnd() < 0.5 ? 0 : 0xff, pos(), pos());
      return b;
    case 6: { // bytes deleted
      return splice(orig, pos(), [], 1 + Math.floor(rnd() * 12));
    }
    case 7: { // a data byte turned into FF (followed by whatever comes: a marker, FF 00, or FF FF)
      const at = pos();
      b[at] = 0xff;
      if (rnd() < 0.3) b[at + 1] = 0;
      return b;
    }
    case 8: { // an existing FF 00 pair broken: its 00 replaced
      const pairs: number[] = [];
      for (let k = start; k + 1 < b.length * 0.9; k++) if (b[k] === 0xff && b[k + 1] === 0) pairs.push(k);
      if (pairs.length) b[pairs[Math.floor(rnd() * pairs.length)] + 1] = 1 + Math.floor(rnd() * 255);
      return b;
    }
    case 9: { // a damaged Huffman table (code counts and symbols): long codes, bad codes, odd symbols
      const [at, len] = dhtSpan(b);
      for (let k = 0, n = 1 + Math.floor(rnd() * 3); len > 0 && k < n; k++) b[at + 1 + Math.floor(rnd() * (len - 1))] ^= 1 << Math.floor(rnd() * 8);
      return b;
    }
    default: { // several small insertions of 0xFF bytes next to each other (FF FF ... 00 runs)
      let out = orig;
      for (let k = 0, n = 1 + Math.floor(rnd() * 4); k < n; k++) {
        const at = start + Math.floor(rnd() * (out.length - start) * 0.9);
        out = splice(out, at, [...Array(1 + Math.floor(rnd() * 3)).fill(0xff), ...(rnd() < 0.7 ? [0] : [])]);
      }
      return out;
    }
  }
}

const PHOTO_JPEGS = readdirSync(join(FIX, 'photos')).filter((f) => f.endsWith('.jpg') && !f.includes('dandelions')).map((f) => `photos/${f}`);
const FIXTURE_JPEGS = readdirSync(join(FIX, 'jpeg')).filter((f) => f.endsWith('.jpg')).map((f) => `jpeg/${f}`);
/** Baseline files large enough for the fast path: 4:2:0 (grace_hopper, flower) and 4:4:4 (china_palace). */
const MUTATED = ['photos/grace_hopper_512x600.jpg', 'photos/flower_640x427.jpg', 'photos/china_palace_640x427.jpg'];

describe('entropy decoding: huff_wasm.c vs libjpeg jdhuff.c', () => {
  it.each([...PHOTO_JPEGS, ...FIXTURE_JPEGS])('%s: same coefficients, warnings and end state', (rel) => {
    const r = compareEntropy(read(rel));
    expect(r.ours).toBe(r.libjpeg);
    expect(r.ours).toMatch(/^ok /);
  });

  it('990 mutants of three photos: same coefficients, warnings, end state and errors', () => {
    const rnd = prng(20261207);
    const kinds = new Map<string, number>();
    for (let i = 0; i < 990; i++) {
      const rel = MUTATED[i % MUTATED.length];
      const b = mutate(read(rel), Math.floor(i / MUTATED.length), rnd);
      const r = compareEntropy(b);
      if (r.ours !== r.libjpeg) expect.fail(`mutant ${i} of ${rel} (kind ${Math.floor(i / MUTATED.length) % MUTATIONS}): ours ${r.ours}, libjpeg ${r.libjpeg}`);
      const k = r.ours.startsWith('ok') ? 'ok' : r.ours.slice(0, 40);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    // Most mutants decode (so coefficients and warnings were compared), some fail (errors compared).
    expect(kinds.get('ok')).toBeGreaterThan(550);
    expect(kinds.size).toBeGreaterThan(1);
  });
});

describe('lockstep: the state after every MCU (input position, bits held, DC, marker, flags) and its blocks', () => {
  it.each([...PHOTO_JPEGS.filter((f) => !f.includes('progressive')), 'jpeg/restart1_s420_77x45.jpg', 'jpeg/multiscan_s420_77x45.jpg'])('%s', (rel) => {
    const [mcus, first] = lockstep(read(rel));
    expect(mcus).toBeGreaterThan(0);
    expect(first, `first MCU that differs, of ${mcus}`).toBe(-1);
  });

  it('330 mutants of three photos', () => {
    const rnd = prng(31);
    let mcus = 0;
    for (let i = 0; i < 330; i++) {
      const rel = MUTATED[i % MUTATED.length];
      const [n, first] = lockstep(mutate(read(rel), Math.floor(i / MUTATED.length), rnd));
      if (first >= 0) expect.fail(`mutant ${i} of ${rel} (kind ${Math.floor(i / MUTATED.length) % MUTATIONS}): MCU ${first} of ${n} differs`);
      mcus += n;
    }
    expect(mcus).toBeGreaterThan(330 * 500);
  });
});

describe('whole decodes of mutants: pixels with our Huffman decoder vs libjpeg only', () => {
  it('88 mutants of a 512x600 photo, one-pass decode at full and 1/2 scale', () => {
    const codec = (ours: boolean) => new JpegCodec(TEST_WASM, (e) => (e as EntropyExports).jd_test_set_huffman(ours ? 1 : 0));
    const ours = codec(true);
    const libjpeg = codec(false);
    const rnd = prng(7);
    const orig = read('photos/grace_hopper_512x600.jpg');
    const h = readImageHeader(orig, 'jpeg');
    const run = (c: JpegCodec, b: Uint8Array, k: 1 | 2) => {
      try {
        return c.decode(b, { width: h.width, height: h.height, scale: jpegScale(k), cmyk: false }, (img, warning) => `${warning ?? ''} ${Buffer.from(img.data).toString('base64')}`);
      } catch (e) {
        return `error: ${e instanceof Error ? e.message : String(e)}`;
      }
    };
    for (let i = 0; i < 88; i++) {
      const b = mutate(orig, i, rnd);
      for (const k of [1, 2] as const) {
        const a = run(ours, b, k);
        const t = run(libjpeg, b, k);
        if (a !== t) expect.fail(`mutant ${i} (kind ${i % MUTATIONS}) at 1/${k}: ${a.slice(0, 80)} / ${t.slice(0, 80)}`);
      }
    }
  });
});
