// Under wrangler/workerd (and vitest-pool-workers), .wasm imports are compiled modules and
// .gnv2 model files are Data modules (ArrayBuffer).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.gnv2' {
  const data: ArrayBuffer;
  export default data;
}
