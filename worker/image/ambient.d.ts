// Module shapes the TypeScript compiler cannot see on its own.

// `*.wasm` imports (compiled WebAssembly.Module under Wrangler) are declared in worker/wasm.d.ts.

// jpeg-js's decoder on its own (the package's index also pulls in the encoder).
declare module 'jpeg-js/lib/decoder.js' {
  interface JpegJsImage {
    width: number;
    height: number;
    data: Uint8Array;
  }
  interface JpegJsOptions {
    useTArray?: boolean;
    colorTransform?: boolean;
    formatAsRGBA?: boolean;
    tolerantDecoding?: boolean;
    maxResolutionInMP?: number;
    maxMemoryUsageInMB?: number;
  }
  export default function decode(data: Uint8Array | ArrayBuffer, opts?: JpegJsOptions): JpegJsImage;
}

// The Emscripten factories of @jsquash's decoders (their bundled .d.ts needs a global namespace we do not load).
declare module '@jsquash/jpeg/codec/dec/mozjpeg_dec.js' {
  const factory: (moduleArg: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module '@jsquash/webp/codec/dec/webp_dec.js' {
  const factory: (moduleArg: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
