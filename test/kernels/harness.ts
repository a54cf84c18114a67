/**
 * Shared kernel-test harness (XNNPACK style): one tester per kernel family runs random shapes
 * through the variant a build was compiled for and through the scalar reference in the same
 * build, and requires bit-exact equality. Works in Node and in workerd (it only needs exports).
 */

export interface EngineExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(to: number): void;
  variant(): number;
  [name: string]: unknown;
}

export type KernelFn = (...args: number[]) => number | void;

/** Deterministic PRNG (mulberry32), so a failing shape can be replayed from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  i8(n: number, lo = -128, hi = 127): Int8Array {
    const a = new Int8Array(n);
    for (let i = 0; i < n; i++) a[i] = this.int(lo, hi);
    return a;
  }
  i32(n: number, lo: number, hi: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.int(lo, hi);
    return a;
  }
  f32(n: number, lo: number, hi: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.next();
    return a;
  }
}

export class Harness {
  constructor(readonly ex: EngineExports) {}

  fn(name: string): KernelFn {
    const f = this.ex[name];
    if (typeof f !== 'function') throw new Error(`engine build has no export ${name}`);
    return f as KernelFn;
  }

  /** Allocates and fills a block; `extra` bytes of poison after it catch stores past the end. */
  put(data: Int8Array | Uint8Array | Int32Array | Float32Array): number {
    const p = this.ex.alloc(data.byteLength);
    if (!p) throw new Error('engine memory exhausted');
    new Uint8Array(this.ex.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return p;
  }

  /** A zero-or-poison filled output block of n bytes. */
  out(n: number, fill = 0x5a): number {
    const p = this.ex.alloc(n);
    new Uint8Array(this.ex.memory.buffer, p, n + 32).fill(fill);
    return p;
  }

  bytes(p: number, n: number): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, p, n).slice();
  }

  /** Runs `body` and frees everything it allocated. */
  scoped<T>(body: () => T): T {
    const m = this.ex.mark();
    try {
      return body();
    } finally {
      this.ex.release(m);
    }
  }
}

/** Index of the first differing byte, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Channel counts that GhostNetV2 widths 1.0 / 1.3 / 1.6 (and odd narrow widths) produce. */
export const GHOSTNET_CHANNELS = [3, 8, 12, 16, 20, 24, 27, 36, 40, 48, 60, 72, 92, 100, 120, 160, 184, 200, 240, 320, 336, 460, 480, 672, 960, 1248, 1280];
