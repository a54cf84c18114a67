/**
 * scanJpegData's 0xFF search (dimensions.ts nextFF: four bytes a step over an aligned Uint32Array)
 * against the obvious one, `Uint8Array.prototype.indexOf`, and the whole scan against the walk as
 * it was written with indexOf (kept here as the reference): the same EOI verdict and scan count on
 * every JPEG fixture, at every byte alignment, and on mutants of them (bytes flipped to 0xFF,
 * 0x00, RSTn, markers; truncations).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alignedWords, nextFF, readImageHeader, scanJpegData, type JpegScanSummary } from '../../worker/image/dimensions.ts';
import { Rng } from '../../tools/lib/rng.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function jpegFixtures(dir = FIX): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jpegFixtures(join(dir, e.name)) : /\.jpe?g$/i.test(e.name) ? [join(dir, e.name)] : []));
}

/** `bytes` copied to byte offset `off` of a fresh buffer (so the words start at another byte). */
function at(bytes: Uint8Array, off: number): Uint8Array {
  const buf = new Uint8Array(bytes.length + off + 3);
  buf.set(bytes, off);
  return buf.subarray(off, off + bytes.length);
}

function words(b: Uint8Array): [Uint32Array, number] {
  const { words, a0 } = alignedWords(b);
  return [words, a0];
}

/** The walk as it was before nextFF: TypedArray indexOf for every 0xFF. */
function scanWithIndexOf(b: Uint8Array, sosOffset: number): JpegScanSummary {
  let scans = 0;
  let p = sosOffset;
  while (p + 1 < b.length) {
    const m = b[p + 1];
    if (m === 0xd9) return { hasEoi: true, scans };
    if (m === 0xff) {
      p++;
      continue;
    }
    if (!(m === 0x01 || (m >= 0xd0 && m <= 0xd9)) && m !== 0x00) {
      const len = (b[p + 2] << 8) | b[p + 3];
      if (len < 2) return { hasEoi: false, scans };
      if (m === 0xda) scans++;
      p += 2 + len;
    } else {
      p += 2;
    }
    for (;;) {
      const q = b.indexOf(0xff, p);
      if (q < 0 || q + 1 >= b.length) return { hasEoi: false, scans };
      const n = b[q + 1];
      if (n === 0x00 || (n >= 0xd0 && n <= 0xd7)) {
        p = q + 2;
        continue;
      }
      if (n === 0xff) {
        p = q + 1;
        continue;
      }
      p = q;
      break;
    }
  }
  return { hasEoi: false, scans };
}

describe('nextFF', () => {
  it('finds what indexOf(0xff) finds: every start, every alignment, sparse to dense 0xFF, lengths 0-70', () => {
    const rng = new Rng(0x5ca9);
    let checked = 0;
    for (let len = 0; len <= 70; len++) {
      for (const density of [0, 0.01, 0.1, 0.5, 1]) {
        const raw = new Uint8Array(len);
        for (let i = 0; i < len; i++) raw[i] = rng.next() < density ? 0xff : rng.pick([0x00, 0x7f, 0x80, 0xfe, 0xef, 0xd9, rng.int(0, 254)]);
        for (let off = 0; off < 4; off++) {
          const b = at(raw, off);
          const [w, a0] = words(b);
          for (let p = 0; p <= len + 1; p++) {
            expect(nextFF(b, w, a0, p), `len ${len} density ${density} offset ${off} from ${p}`).toBe(b.indexOf(0xff, p));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('finds a lone 0xFF at every position of a 300-byte buffer, from every start before it', () => {
    for (let off = 0; off < 4; off++) {
      for (let pos = 0; pos < 300; pos++) {
        const b = at(new Uint8Array(300), off);
        b[pos] = 0xff;
        const [w, a0] = words(b);
        for (let p = 0; p <= pos; p += 7) expect(nextFF(b, w, a0, p)).toBe(pos);
        expect(nextFF(b, w, a0, pos + 1)).toBe(-1);
      }
    }
  });
});

describe('scanJpegData', () => {
  const files = jpegFixtures();
  const withHeader = files.flatMap((f) => {
    const bytes = new Uint8Array(readFileSync(f));
    try {
      return [{ f, bytes, sos: readImageHeader(bytes, 'jpeg').jpeg!.sosOffset }];
    } catch {
      return []; // hostile files whose header is refused never reach the scan
    }
  });

  it("gives the indexOf walk's answer on every JPEG fixture, at every alignment", () => {
    expect(withHeader.length).toBeGreaterThan(20);
    expect(withHeader.some(({ bytes, sos }) => scanJpegData(bytes, sos).scans > 3)).toBe(true); // progressive ones among them
    for (const { f, bytes, sos } of withHeader) {
      const want = scanWithIndexOf(bytes, sos);
      for (let off = 0; off < 4; off++) expect(scanJpegData(at(bytes, off), sos), `${f} at offset ${off}`).toEqual(want);
    }
  });

  it("gives the indexOf walk's answer on 2000 mutants (bytes set to 0xFF, 0x00, RSTn, markers; truncations)", () => {
    const rng = new Rng(0x1ead);
    const small = withHeader.filter(({ bytes }) => bytes.length < 400_000);
    let eoi = 0;
    for (let i = 0; i < 2000; i++) {
      const { f, bytes, sos } = rng.pick(small);
      let m: Uint8Array = bytes.slice();
      for (let k = rng.int(1, 12); k > 0; k--) m[rng.int(sos, m.length - 1)] = rng.pick([0xff, 0xff, 0x00, 0xd0 + rng.int(0, 7), 0xd9, 0xda, 0xc4, 0x01, rng.int(0, 255)]);
      if (rng.next() < 0.3) m = m.subarray(0, rng.int(sos, m.length));
      const want = scanWithIndexOf(m, sos);
      if (want.hasEoi) eoi++;
      expect(scanJpegData(at(m, rng.int(0, 3)), sos), `mutant ${i} of ${f}`).toEqual(want);
    }
    expect(eoi).toBeGreaterThan(200);
    expect(eoi).toBeLessThan(1900);
  });
});
