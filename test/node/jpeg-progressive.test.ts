/**
 * Our progressive AC refinement decoder (native/jpeg/phuff_wasm.c, built into libjpeg's jdphuff.c)
 * against libjpeg's own decode_mcu_AC_refine, in the test build jpeg-turbo-test.wasm:
 * jd_test_set_phuff(0) makes jdphuff.c install libjpeg's function. Compared per file
 * (jd_test_phuff_entropy, test_phuff.c): every coefficient after all scans, every warning (code
 * and parameters, in order), the input position and pending marker after the last scan, the
 * warnings of finishing, and the error message if it fails. On progressive files made from real
 * photos (test/fixtures/jpeg/progressive/, tools/reference/jpeg_progressive_fixtures.sh: libjpeg's
 * default progression, restart intervals, deeper successive approximation with bands ending
 * before 63, 4:4:4, CMYK, gray, Pillow's encoder), on mutants of them (truncations, bit flips,
 * random stretches, FF 00 / FF FF 00 stuffing, stray markers, runs of 00 or FF, deleted bytes,
 * broken FF 00 pairs, damaged Huffman tables and scan headers: EOB runs cut or extended,
 * refinement symbols with sizes other than 1, codes longer than 16 bits, markers where the fast
 * path would refill), and whole decodes of mutants pixel for pixel. Independent of both: jpegtran's
 * progressive transcodes are lossless, so their coefficients are the baseline photo's, decoded by
 * jdhuff.c.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instantiateJpegDecoder, JpegCodec, jpegScale, type JpegExports } from '../../worker/image/codec-jpeg.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';
import { mulberry32 } from '../../tools/lib/rng.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');
const files = new Map<string, Uint8Array>();
const read = (rel: string) => files.get(rel) ?? (files.set(rel, new Uint8Array(readFileSync(join(FIX, rel)))), files.get(rel)!);
const TEST_WASM = new WebAssembly.Module(readFileSync(join(ROOT, 'native', 'jpeg', 'jpeg-turbo-test.wasm')));

interface PhuffExports extends JpegExports {
  jd_test_set_phuff(on: number): void;
  jd_test_phuff_entropy(src: number, size: number): number;
  jd_test_set_phuff_lockstep(on: number): void;
  jd_test_phuff_lockstep_result(): number;
}

/**
 * Lockstep (test build only, phuff_wasm.c): every refinement MCU decoded by libjpeg's function, the
 * state put back, then by ours; [MCUs compared, index of the first whose state or block differs or
 * -1, MCUs our fast path gave up on]. A decode that fails still reports the MCUs before the failure.
 */
function lockstep(bytes: Uint8Array): [number, number, number] {
  const ex = instantiateJpegDecoder(TEST_WASM) as PhuffExports;
  ex.jd_test_set_phuff_lockstep(1);
  entropy(ex, bytes, true);
  const [mcus, first, bails] = new Int32Array(ex.memory.buffer, ex.jd_test_phuff_lockstep_result(), 3);
  return [mcus, first, bails];
}

/** Hash of the entropy decoder's whole behaviour on `bytes` (test_phuff.c), or the error; ours or libjpeg's. */
function entropy(ex: PhuffExports, bytes: Uint8Array, ours: boolean): string {
  try {
    const p = ex.malloc(bytes.length);
    new Uint8Array(ex.memory.buffer, p, bytes.length).set(bytes);
    ex.jd_test_set_phuff(ours ? 1 : 0);
    const h = ex.jd_test_phuff_entropy(p, bytes.length) >>> 0;
    ex.free(p);
    return `ok ${h.toString(16)}`;
  } catch (e) {
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** One instance, replaced after an error (a failed decode leaves it unusable: nothing is freed). */
let instance: PhuffExports | null = null;
function run(bytes: Uint8Array, ours: boolean): string {
  instance ??= instantiateJpegDecoder(TEST_WASM) as PhuffExports;
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

/** Offsets and lengths of the payloads of every segment with marker `code` (DHT 0xC4, SOS 0xDA), scans skipped. */
function segments(b: Uint8Array, code: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 2; i + 4 < b.length; ) {
    if (b[i] !== 0xff) {
      i++; // entropy-coded data: look for the next marker (not FF 00, not RSTn)
      continue;
    }
    const m = b[i + 1];
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
      i += m === 0xff ? 1 : 2;
      continue;
    }
    if (m === 0xd9) break;
    const len = (b[i + 2] << 8) | b[i + 3];
    if (m === code) out.push([i + 4, len - 2]);
    i += 2 + len;
  }
  return out;
}

const MUTATIONS = 13;
/** Mutant `i` of `orig` (kind i % MUTATIONS): damage in the scans' data, in a Huffman table or in a scan header. */
function mutate(orig: Uint8Array, i: number, rnd: () => number): Uint8Array {
  const start = readImageHeader(orig, 'jpeg').jpeg!.sosOffset;
  // Anywhere from the first scan on (later scans' headers and tables included), mostly well before the end.
  const pos = () => start + Math.floor(rnd() * (orig.length - start) * 0.95);
  const insert = (at: number, ins: number[]) => splice(orig, at, ins);
  const b = orig.slice();
  switch (i % MUTATIONS) {
    case 0: {
      // truncated, with or without an EOI after the cut
      const cut = pos();
      return rnd() < 0.5 ? orig.slice(0, cut) : splice(orig.subarray(0, cut), cut, [0xff, 0xd9]);
    }
    case 1: // bit flips
      for (let k = 0, n = 1 + Math.floor(rnd() * 8); k < n; k++) b[pos()] ^= 1 << Math.floor(rnd() * 8);
      return b;
    case 2: // random bytes over a stretch
      for (let k = pos(), n = Math.floor(rnd() * 40); n > 0 && k < b.length; k++, n--) b[k] = Math.floor(rnd() * 256);
      return b;
    case 3: // stuffing: FF 00 or FF FF 00
      return insert(pos(), rnd() < 0.5 ? [0xff, 0x00] : [0xff, 0xff, 0x00]);
    case 4: // a stray marker: RSTn, EOI, FF FF RSTn, DHT, SOS
      return insert(
        pos(),
        [
          [0xff, 0xd0 + Math.floor(rnd() * 8)],
          [0xff, 0xd9],
          [0xff, 0xff, 0xd3],
          [0xff, 0xc4],
          [0xff, 0xda],
        ][Math.floor(rnd() * 5)],
      );
    case 5: // a run of zeros or ones
      b.fill(rnd() < 0.5 ? 0 : 0xff, pos(), pos());
      return b;
    case 6: // bytes deleted
      return splice(orig, pos(), [], 1 + Math.floor(rnd() * 12));
    case 7: {
      // a data byte turned into FF (followed by whatever comes: a marker, FF 00, or FF FF)
      const at = pos();
      b[at] = 0xff;
      if (rnd() < 0.3) b[at + 1] = 0;
      return b;
    }
    case 8: {
      // an existing FF 00 pair broken: its 00 replaced
      const pairs: number[] = [];
      for (let k = start; k + 1 < b.length * 0.95; k++) if (b[k] === 0xff && b[k + 1] === 0) pairs.push(k);
      if (pairs.length) b[pairs[Math.floor(rnd() * pairs.length)] + 1] = 1 + Math.floor(rnd() * 255);
      return b;
    }
    case 9: {
      // a damaged Huffman table (any of them): code counts and symbols
      const dht = segments(b, 0xc4);
      const [at, len] = dht[Math.floor(rnd() * dht.length)];
      for (let k = 0, n = 1 + Math.floor(rnd() * 3); len > 1 && k < n; k++) b[at + 1 + Math.floor(rnd() * (len - 1))] ^= 1 << Math.floor(rnd() * 8);
      return b;
    }
    case 10: {
      // a damaged scan header: Ss, Se, Ah/Al, or a table selector
      const sos = segments(b, 0xda);
      const [at, len] = sos[Math.floor(rnd() * sos.length)];
      const k = at + len - 1 - Math.floor(rnd() * 4); // Ah/Al, Se, Ss, or the last component's tables
      b[k] ^= 1 << Math.floor(rnd() * 8);
      return b;
    }
    case 11: {
      // a refinement symbol's size changed: a data bit flipped near a scan's start
      const sos = segments(b, 0xda);
      const [at, len] = sos[Math.floor(rnd() * sos.length)];
      const k = at + len + Math.floor(rnd() * 64);
      if (k < b.length - 2 && b[k] !== 0xff) b[k] ^= 1 << Math.floor(rnd() * 8);
      return b;
    }
    default: {
      // several small insertions of 0xFF bytes next to each other (FF FF ... 00 runs)
      let out = orig;
      for (let k = 0, n = 1 + Math.floor(rnd() * 4); k < n; k++) {
        const at = start + Math.floor(rnd() * (out.length - start) * 0.95);
        out = splice(out, at, [...Array(1 + Math.floor(rnd() * 3)).fill(0xff), ...(rnd() < 0.7 ? [0] : [])]);
      }
      return out;
    }
  }
}

const PROGRESSIVE = readdirSync(join(FIX, 'jpeg', 'progressive'))
  .filter((f) => f.endsWith('.jpg'))
  .map((f) => `jpeg/progressive/${f}`);
const OTHER = ['jpeg/progressive_s420_77x45.jpg', 'photos/video001_410_progressive_150x103.jpg'];
const MUTATED = [
  'jpeg/progressive/gh_default_512x600.jpg',
  'jpeg/progressive/gh_restart7b_512x600.jpg',
  'jpeg/progressive/gh_deep_512x600.jpg',
  'jpeg/progressive/china444_deep_320x216.jpg',
  'jpeg/progressive/flower_pillow_q95_320x214.jpg',
  'jpeg/progressive/gh_restart1row_256x304.jpg',
];

describe('progressive entropy decoding: phuff_wasm.c vs libjpeg jdphuff.c', () => {
  it.each([...PROGRESSIVE, ...OTHER])('%s: same coefficients, warnings and end state', (rel) => {
    const r = compareEntropy(read(rel));
    expect(r.ours).toBe(r.libjpeg);
    expect(r.ours).toMatch(/^ok /);
  });

  it("jpegtran's lossless progressive transcodes have the baseline photo's coefficients (jdhuff.c)", () => {
    const baseline = run(read('photos/grace_hopper_512x600.jpg'), true);
    for (const rel of PROGRESSIVE.filter((f) => f.includes('gh_') && f.includes('512x600'))) expect(run(read(rel), true), rel).toBe(baseline);
  });

  it('1040 mutants of six files: same coefficients, warnings, end state and errors', () => {
    const rnd = mulberry32(20261208);
    const kinds = new Map<string, number>();
    const n = 1040;
    for (let i = 0; i < n; i++) {
      const rel = MUTATED[i % MUTATED.length];
      const kind = Math.floor(i / MUTATED.length);
      const b = mutate(read(rel), kind, rnd);
      const r = compareEntropy(b);
      if (r.ours !== r.libjpeg) expect.fail(`mutant ${i} of ${rel} (kind ${kind % MUTATIONS}): ours ${r.ours}, libjpeg ${r.libjpeg}`);
      const k = r.ours.startsWith('ok') ? 'ok' : r.ours.slice(0, 40);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    // Most mutants decode (so coefficients and warnings were compared), some fail (errors compared).
    expect(kinds.get('ok')).toBeGreaterThan(n * 0.5);
    expect(kinds.size).toBeGreaterThan(2);
  });
});

describe('lockstep: the state after every refinement MCU (input position, bit buffer, EOB run, marker, flags) and its block', () => {
  it.each([...PROGRESSIVE, ...OTHER])('%s', (rel) => {
    const [mcus, first] = lockstep(read(rel));
    expect(mcus).toBeGreaterThan(0);
    expect(first, `first MCU that differs, of ${mcus}`).toBe(-1);
  });

  it('312 mutants of six files', () => {
    const rnd = mulberry32(31);
    let mcus = 0;
    let bails = 0;
    for (let i = 0; i < 312; i++) {
      const rel = MUTATED[i % MUTATED.length];
      const kind = Math.floor(i / MUTATED.length);
      const [n, first, b] = lockstep(mutate(read(rel), kind, rnd));
      if (first >= 0) expect.fail(`mutant ${i} of ${rel} (kind ${kind % MUTATIONS}): MCU ${first} of ${n} differs`);
      mcus += n;
      bails += b;
    }
    expect(mcus).toBeGreaterThan(312 * 5000);
    expect(bails).toBeGreaterThan(312 * 200); // the give-up path was compared too
  });
});

describe('whole decodes of progressive mutants: pixels with our refinement decoder vs libjpeg only', () => {
  it('78 mutants of a 512x600 progressive photo, at full and 1/2 scale', () => {
    const codec = (ours: boolean) => new JpegCodec(TEST_WASM, (e) => (e as PhuffExports).jd_test_set_phuff(ours ? 1 : 0));
    const ours = codec(true);
    const libjpeg = codec(false);
    const rnd = mulberry32(8);
    const orig = read('jpeg/progressive/gh_deep_512x600.jpg');
    const h = readImageHeader(orig, 'jpeg');
    const decode = (c: JpegCodec, b: Uint8Array, k: 1 | 2) => {
      try {
        return c.decode(b, { width: h.width, height: h.height, scale: jpegScale(k), cmyk: false }, (img, warning) => `${warning ?? ''} ${Buffer.from(img.data).toString('base64')}`);
      } catch (e) {
        return `error: ${e instanceof Error ? e.message : String(e)}`;
      }
    };
    for (let i = 0; i < 78; i++) {
      const b = mutate(orig, i, rnd);
      for (const k of [1, 2] as const) {
        const a = decode(ours, b, k);
        const t = decode(libjpeg, b, k);
        if (a !== t) expect.fail(`mutant ${i} (kind ${i % MUTATIONS}) at 1/${k}: ${a.slice(0, 80)} / ${t.slice(0, 80)}`);
      }
    }
  });
});
