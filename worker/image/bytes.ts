/**
 * Bounds-checked integer reads for header parsing. Every reader returns -1
 * (never throws, never reads past the end) when the field does not fit, so the
 * parsers can treat "truncated" as an ordinary value and fail with a 400.
 */

export function u8(b: Uint8Array, p: number): number {
  return p >= 0 && p < b.length ? b[p] : -1;
}

export function u16be(b: Uint8Array, p: number): number {
  return p >= 0 && p + 2 <= b.length ? (b[p] << 8) | b[p + 1] : -1;
}

export function u16le(b: Uint8Array, p: number): number {
  return p >= 0 && p + 2 <= b.length ? b[p] | (b[p + 1] << 8) : -1;
}

export function u24le(b: Uint8Array, p: number): number {
  return p >= 0 && p + 3 <= b.length ? b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) : -1;
}

/** Unsigned 32-bit, returned as a non-negative double (no sign wrap). */
export function u32be(b: Uint8Array, p: number): number {
  return p >= 0 && p + 4 <= b.length ? ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0 : -1;
}

export function u32le(b: Uint8Array, p: number): number {
  return p >= 0 && p + 4 <= b.length ? ((b[p + 3] << 24) | (b[p + 2] << 16) | (b[p + 1] << 8) | b[p]) >>> 0 : -1;
}

/** True when `b[p..]` starts with the ASCII string `s`. */
export function hasAscii(b: Uint8Array, p: number, s: string): boolean {
  if (p < 0 || p + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[p + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Latin-1 view of `b[p..p+n)` for error messages and FourCCs (never used on large ranges). */
export function ascii(b: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = p; i < p + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}
