/**
 * Calling a WASM build's kernels from JS (kernel tests and kernel benches, in Node or workerd):
 * blocks of data placed in the build's own linear memory through its arena exports
 * (alloc / mark / release), kernels looked up by export name.
 */

import type { ArenaExports, KernelExportName } from '../../worker/kernels.ts';

/**
 * A build of either module (engine or resampler; this tree's, an older commit's, or a mutant), its
 * kernels looked up by their manifest name (worker/kernels.ts) when a case runs: a build that lacks
 * one fails that case, not the whole harness.
 */
export type BuildExports = ArenaExports & { [name: string]: unknown };

export type KernelFn = (...args: number[]) => number | undefined;

export class Harness {
  constructor(readonly ex: BuildExports) {}

  fn(name: KernelExportName): KernelFn {
    const f = this.ex[name];
    if (typeof f !== 'function') throw new Error(`engine build has no export ${name}`);
    return f as KernelFn;
  }

  /** Allocates a block and copies `data` into it. */
  put(data: Int8Array | Uint8Array | Int32Array | Float32Array): number {
    const p = this.ex.alloc(data.byteLength);
    if (!p) throw new Error('engine memory exhausted');
    new Uint8Array(this.ex.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return p;
  }

  /** An output block of n bytes, it and the 32 bytes after it filled with `fill` (poison that catches stores past the end). */
  out(n: number, fill = 0x5a): number {
    const p = this.ex.alloc(n);
    if (!p) throw new Error('engine memory exhausted');
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
