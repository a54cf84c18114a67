// Worker "a": a WebAssembly function run once at start-up (module scope) and once per request.
import mod from './f.wasm';
const { f } = new WebAssembly.Instance(mod).exports;
f(0);
export default {
  fetch() {
    return new Response(String(f(41)));
  },
};
