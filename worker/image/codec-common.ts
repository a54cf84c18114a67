/** What every decoder wrapper hands back or throws. */

export interface RawImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * After a decode leaves the instance's memory above this size, start over with a fresh (small)
 * instance: wasm memory never shrinks, and three idle decoders share the isolate's 128 MB with the
 * next decode's budget (decode.ts also drops the idle ones before a large decode).
 */
export const RECYCLE_BYTES = 16 * 1024 * 1024;

/** The decoder rejected the data; `messages` is what it printed (libjpeg's text, if any). */
export class CodecFailure extends Error {
  constructor(
    message: string,
    readonly messages: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CodecFailure';
  }
}

/** A decoder could not even be instantiated: a deployment/version problem (500), never the client's fault. */
export class DecoderSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecoderSetupError';
  }
}

/** A NUL-terminated string (at most `max` bytes) from a decoder's memory: the C decoders' messages. */
export function readCString(memory: WebAssembly.Memory, ptr: number, max: number): string {
  const b = new Uint8Array(memory.buffer, ptr, Math.min(max, memory.buffer.byteLength - ptr));
  let s = '';
  for (let i = 0; i < b.length && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s;
}
