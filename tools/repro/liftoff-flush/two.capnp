# Worker "a", then worker "b" in its own isolate. --trace-wasm-compilation-times prints a line for
# every WebAssembly function V8 compiles.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = ["--trace-wasm-compilation-times"],
  services = [ (name = "a", worker = .a), (name = "b", worker = .b) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "a") ],
);

const a :Workerd.Worker = (
  modules = [ (name = "a.mjs", esModule = embed "a.mjs"), (name = "f.wasm", wasm = embed "f.wasm") ],
  compatibilityDate = "2026-04-01",
);

const b :Workerd.Worker = (
  modules = [ (name = "b.mjs", esModule = embed "b.mjs") ],
  compatibilityDate = "2026-04-01",
);
