/**
 * What the Worker's V8 isolate holds, read through the inspector protocol of the workerd that runs
 * it (`npm run serve -- --inspector PORT`, or wrangler dev's `--inspector-port`): `Runtime.getHeapUsage`. It separates what the Worker's
 * JavaScript keeps (the heap, and the ArrayBuffers and WebAssembly memories it references) from the
 * process's RSS: RSS that grows while these stay flat is workerd's own memory, not the Worker's.
 *
 * (HeapProfiler.collectGarbage hangs workerd's isolate, so the figures include garbage
 * not yet collected: compare them at the same point of the load, not across a GC.)
 * Needs a global WebSocket: Node 22, or Node 20 with --experimental-websocket (npm run loadtest passes it).
 */
export interface HeapUsage {
  /** Live objects on the JS heap (and garbage not yet collected), MiB. */
  usedMiB: number;
  /** What V8 has reserved for the JS heap, MiB. */
  totalMiB: number;
  /** ArrayBuffer backing stores (bodies, decoded pixels, WebAssembly memories), MiB. */
  backingMiB: number;
}

/** The first debuggable target of an inspector at http://host:port. */
async function debuggerUrl(inspector: string): Promise<string> {
  const list = (await (await fetch(`${inspector}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = list.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no debuggable Worker at ${inspector}/json/list`);
  return url;
}

export async function heapUsage(inspector: string, timeoutMs = 10_000): Promise<HeapUsage> {
  if (typeof WebSocket === 'undefined') throw new Error('no global WebSocket: run Node 20 with --experimental-websocket');
  // wrangler dev's inspector proxy refuses a WebSocket without an Origin of its own host.
  const ws = new WebSocket(await debuggerUrl(inspector), { headers: { Origin: inspector } } as unknown as string[]);
  const timer = setTimeout(() => ws.close(), timeoutMs);
  try {
    const r = await new Promise<{ usedSize: number; totalSize: number; backingStorageSize?: number }>((ok, fail) => {
      ws.addEventListener('open', () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' })), { once: true });
      ws.addEventListener('message', (ev) => {
        const msg = JSON.parse(String(ev.data)) as { id?: number; result?: never; error?: { message: string } };
        if (msg.id !== 1) return;
        if (msg.error) fail(new Error(msg.error.message));
        else ok(msg.result!);
      });
      ws.addEventListener('close', () => fail(new Error(`no heap usage from ${inspector} within ${timeoutMs} ms`)), { once: true });
      ws.addEventListener('error', () => fail(new Error(`cannot open the inspector at ${inspector}`)), { once: true });
    });
    const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
    return { usedMiB: mib(r.usedSize), totalMiB: mib(r.totalSize), backingMiB: mib(r.backingStorageSize ?? Number.NaN) };
  } finally {
    clearTimeout(timer);
    ws.close();
  }
}
