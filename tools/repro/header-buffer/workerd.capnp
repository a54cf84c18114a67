# The minimal Worker under workerd alone; run.mjs starts it on a free port (--socket-addr http=127.0.0.1:0).
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = (modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ], compatibilityDate = "2026-04-01")) ],
  sockets = [ (name = "http", address = "127.0.0.1:8798", http = (), service = "main") ],
);
