/**
 * Mutation operators for the fuzzer, and the fix-ups that let a mutant past the integrity checks
 * (PNG chunk CRCs, zip entry CRCs, the model file's SHA-256) to the parsing code behind them.
 * Every operator draws from the Rand it is given, so a case is reproduced by its seed alone.
 */
import { createHash } from 'node:crypto';
import { crc32 } from '../../worker/image/crc32.ts';

export type Rand = () => number;

export const int = (r: Rand, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Values parsers branch on: zero, one, sign and width boundaries, as u8/u16/u32. */
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** One generic byte-level mutation; `hot` is where the format's parser branches most (its header). */
export function mutateBytes(src: Uint8Array, r: Rand, hot = 600): Uint8Array {
  const b = src.slice();
  const n = b.length;
  if (n === 0) return new Uint8Array([int(r, 256)]);
  const at = () => int(r, n);
  const hotAt = () => int(r, Math.min(n, hot));
  switch (int(r, 9)) {
    case 0: // flip a few bits anywhere
      for (let k = 1 + int(r, 8); k > 0; k--) b[at()] ^= 1 << int(r, 8);
      return b;
    case 1: // overwrite header bytes
      for (let k = 1 + int(r, 4); k > 0; k--) b[hotAt()] = int(r, 256);
      return b;
    case 2: // truncate
      return b.subarray(0, at());
    case 3: {
      // random block
      const p = at();
      for (let i = p; i < Math.min(n, p + 1 + int(r, 256)); i++) b[i] = int(r, 256);
      return b;
    }
    case 4: {
      // splice: insert a copy of another range
      const p = at(),
        q = at();
      const piece = b.subarray(q, q + int(r, 512));
      const out = new Uint8Array(n + piece.length);
      out.set(b.subarray(0, p));
      out.set(piece, p);
      out.set(b.subarray(p), p + piece.length);
      return out;
    }
    case 5: // 0xFF storms (JPEG marker confusion)
      for (let k = 1 + int(r, 16); k > 0; k--) b[at()] = 0xff;
      return b;
    case 6: {
      // an interesting integer, big- or little-endian, in the header
      const v = pick(r, INTERESTING),
        width = pick(r, [1, 2, 4]),
        p = hotAt(),
        le = r() < 0.5;
      for (let i = 0; i < width && p + i < n; i++) b[p + i] = (v >>> (8 * (le ? i : width - 1 - i))) & 0xff;
      return b;
    }
    case 7: {
      // delete a range
      const p = at(),
        len = Math.min(n - p, 1 + int(r, 64));
      const out = new Uint8Array(n - len);
      out.set(b.subarray(0, p));
      out.set(b.subarray(p + len), p);
      return out;
    }
    default: {
      // duplicate a range in place
      const p = at(),
        q = at(),
        len = int(r, 128);
      b.copyWithin(p, q, Math.min(n, q + len));
      return b;
    }
  }
}

/** Recomputes every PNG chunk CRC that lies inside the buffer. */
export function fixPngCrcs(b: Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 12 <= b.length; ) {
    const len = v.getUint32(p);
    const end = p + 8 + len;
    if (end + 4 > b.length) break;
    v.setUint32(end, crc32(b, p + 4, end));
    p = end + 4;
  }
  return b;
}

/** JPEG marker segments [start, end) after SOI, up to SOS. */
function jpegSegments(b: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 2; p + 4 <= b.length && b[p] === 0xff; ) {
    const marker = b[p + 1];
    const end = p + 2 + ((b[p + 2] << 8) | b[p + 3]);
    if (end > b.length) break;
    out.push([p, end]);
    if (marker === 0xda) break;
    p = end;
  }
  return out;
}

/** Segment-level JPEG edits: duplicate a segment, drop one, or change its declared length. */
export function mutateJpegSegments(src: Uint8Array, r: Rand): Uint8Array {
  const segs = jpegSegments(src);
  if (segs.length === 0) return mutateBytes(src, r);
  const [s, e] = pick(r, segs);
  switch (int(r, 3)) {
    case 0: {
      // duplicate
      const out = new Uint8Array(src.length + (e - s));
      out.set(src.subarray(0, e));
      out.set(src.subarray(s, e), e);
      out.set(src.subarray(e), 2 * e - s);
      return out;
    }
    case 1: {
      // drop
      const out = new Uint8Array(src.length - (e - s));
      out.set(src.subarray(0, s));
      out.set(src.subarray(e), s);
      return out;
    }
    default: {
      // lie about the length
      const b = src.slice();
      const len = pick(r, [0, 1, 2, 3, 0xffff, e - s - 2 + 1, e - s - 2 - 1, int(r, 0x10000)]);
      b[s + 2] = len >> 8;
      b[s + 3] = len & 0xff;
      return b;
    }
  }
}

/** RIFF size = file length - 8, as a WebP decoder first checks. */
export function fixRiffSize(b: Uint8Array): Uint8Array {
  if (b.length >= 12) new DataView(b.buffer, b.byteOffset).setUint32(4, b.length - 8, true);
  return b;
}

/**
 * Stored zip entries: [data start, data end, central-directory record] for each entry whose sizes
 * fit in 32 bits (torch.save writes stored entries; ZIP64 extras are left alone).
 */
export function zipStoredEntries(b: Uint8Array): Array<{ name: string; start: number; end: number; central: number; local: number }> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = [];
  for (let p = 0; p + 46 <= b.length; p++) {
    if (v.getUint32(p, true) !== 0x02014b50) continue;
    const method = v.getUint16(p + 10, true),
      size = v.getUint32(p + 20, true),
      local = v.getUint32(p + 42, true);
    const nameLen = v.getUint16(p + 28, true);
    if (method !== 0 || size === 0xffffffff || local === 0xffffffff || local + 30 > b.length) continue;
    if (v.getUint32(local, true) !== 0x04034b50) continue;
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (start + size > b.length) continue;
    out.push({ name: new TextDecoder().decode(b.subarray(p + 46, p + 46 + nameLen)), start, end: start + size, central: p, local });
  }
  return out;
}

/** Recomputes the CRC-32 of every stored entry, in its local header and its central record. */
export function fixZipCrcs(b: Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (const e of zipStoredEntries(b)) {
    const c = crc32(b, e.start, e.end);
    v.setUint32(e.central + 16, c, true);
    v.setUint32(e.local + 14, c, true);
  }
  return b;
}

/** A random edit of a JSON value at a random depth: numbers to edge values, arrays shortened or grown, types swapped. */
export function mutateJson(value: unknown, r: Rand): unknown {
  const edgy = [0, -1, 1, 0.5, 1e9, -1e9, 2 ** 31, 2 ** 53, Number.MAX_VALUE, null, '', 'x', true, [], {}];
  const walk = (v: unknown, depth: number): unknown => {
    const here = depth > 6 || r() < 0.25 || v === null || typeof v !== 'object';
    if (here) {
      if (typeof v === 'number') return r() < 0.5 ? pick(r, edgy) : v * pick(r, [-1, 2, 10, 1000, 0.5]) + pick(r, [0, 1, -1]);
      if (Array.isArray(v)) {
        const a = [...v];
        if (r() < 0.4 && a.length) a.splice(int(r, a.length), 1);
        else if (r() < 0.5 && a.length) a.push(a[int(r, a.length)]);
        else if (a.length) a[int(r, a.length)] = pick(r, edgy);
        return a;
      }
      if (v && typeof v === 'object') {
        const o = { ...(v as Record<string, unknown>) };
        const keys = Object.keys(o);
        if (keys.length && r() < 0.5) delete o[pick(r, keys)];
        else if (keys.length) o[pick(r, keys)] = pick(r, edgy);
        return o;
      }
      return pick(r, edgy);
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return v;
      const a = [...v];
      const i = int(r, a.length);
      a[i] = walk(a[i], depth + 1);
      return a;
    }
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    if (keys.length === 0) return o;
    const k = pick(r, keys);
    o[k] = walk(o[k], depth + 1);
    return o;
  };
  return walk(value, 0);
}

/** SHA-256 of everything before the last 32 bytes, written into them (the model file's digest). */
export function fixTrailingSha256(b: Uint8Array): Uint8Array {
  if (b.length < 32) return b;
  b.set(
    createHash('sha256')
      .update(b.subarray(0, b.length - 32))
      .digest(),
    b.length - 32,
  );
  return b;
}
