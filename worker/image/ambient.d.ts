// Module shapes the TypeScript compiler cannot see on its own.

// `*.wasm` imports (compiled WebAssembly.Module under Wrangler) are declared in worker/wasm.d.ts.

// The Emscripten factory of @jsquash's WebP decoder (its bundled .d.ts needs a global namespace we do not load).
declare module '@jsquash/webp/codec/dec/webp_dec.js' {
  const factory: (moduleArg: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
