# The same Worker under workerd alone: workerd serve workerd.capnp (listens on 127.0.0.1:8799).
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = (modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ], compatibilityDate = "2026-04-01")) ],
  sockets = [ (name = "http", address = "127.0.0.1:8799", http = (), service = "main") ],
);
