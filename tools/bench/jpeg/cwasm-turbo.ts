/**
 * The JPEG decoder the Worker used before native/jpeg/: @cwasm/jpeg-turbo 0.1.3 (libjpeg-turbo
 * 2.0.4's TurboJPEG API, wasi-sdk -Oz, no SIMD), driven as worker/image/codec-turbo.ts did (git
 * history: 1abe246), minus the error-message plumbing the benchmark does not need. Bench-only: the
 * package lives in tools/bench/package.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const TJPF_RGBA = 7;
const TJPF_CMYK = 11;

interface TurboExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(handle: number, src: number, size: number, width: number, height: number, subsamp: number, colorspace: number): number;
  tjDecompress2(handle: number, src: number, size: number, dst: number, width: number, pitch: number, height: number, pixelFormat: number, flags: number): number;
  tjDestroy(handle: number): number;
}

export function loadCwasmTurbo(): WebAssembly.Module {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@cwasm/jpeg-turbo/package.json'));
  return new WebAssembly.Module(readFileSync(join(dir, 'jpeg-turbo.wasm')));
}

export class CwasmTurboDecoder {
  readonly #ex: TurboExports;

  constructor(module: WebAssembly.Module) {
    let memory: WebAssembly.Memory | null = null;
    const fail = () => {
      throw new Error('libjpeg error');
    };
    const imports = {
      env: { setjmp: () => 0, longjmp: fail },
      wasi_snapshot_preview1: {
        environ_sizes_get: (count: number, size: number) => {
          new DataView(memory!.buffer).setUint32(count, 0, true);
          new DataView(memory!.buffer).setUint32(size, 0, true);
          return 0;
        },
        environ_get: () => 0,
        proc_exit: fail,
        fd_close: () => 8,
        fd_seek: () => 8,
        fd_write: () => 8,
      },
    };
    this.#ex = new WebAssembly.Instance(module, imports).exports as unknown as TurboExports;
    memory = this.#ex.memory;
  }

  /** Decodes like the old codec (input copied in, header read, tjDecompress2 into a malloc'd buffer) and passes the pixels to `use`. */
  decode<T>(bytes: Uint8Array, width: number, height: number, scale: 1 | 2 | 4 | 8, cmyk: boolean, use: (px: Uint8Array) => T): T {
    const ex = this.#ex;
    const w = Math.ceil(width / scale);
    const h = Math.ceil(height / scale);
    const src = ex.malloc(bytes.length);
    const dst = ex.malloc(w * h * 4);
    new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
    const handle = ex.tjInitDecompress();
    const info = ex.malloc(16);
    ex.tjDecompressHeader3(handle, src, bytes.length, info, info + 4, info + 8, info + 12);
    ex.free(info);
    const status = ex.tjDecompress2(handle, src, bytes.length, dst, w, w * 4, h, cmyk ? TJPF_CMYK : TJPF_RGBA, 0);
    ex.tjDestroy(handle);
    ex.free(src);
    if (status !== 0) throw new Error(`tjDecompress2 returned ${status}`);
    try {
      return use(new Uint8Array(ex.memory.buffer, dst, w * h * 4));
    } finally {
      ex.free(dst);
    }
  }
}
