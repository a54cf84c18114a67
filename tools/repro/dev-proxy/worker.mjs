// A minimal Worker for reproducing how an oversized upload is answered (see README.md).
// POST /?mode=... answers 413 to any body over LIMIT, in one of these ways:
//   cancel     cancel the body unread, answer at once (what a Content-Length check does)
//   partial    read up to LIMIT, cancel the rest, answer (what a counting reader does)
//   drain      read the whole body and discard it, then answer
//   byob       the same with a BYOB reader into one reused 256 KiB buffer (no new chunk per read)
//   waituntil  answer at once, read and discard the body in ctx.waitUntil
// GET, or POST ?mode=ok, answers 200 (the other clients' requests; POST reads its body);
// ?busy=ms first holds the thread that long, as a CPU-bound request (a classify) does.
const LIMIT = 10 * 1024 * 1024;

// Counts the reads and the longest wait between two of them (the 413 reports both): how many turns
// of the isolate a body took, and how long the Worker waited for the next bytes.
async function discard(reader, budget = Infinity, stats = { reads: 0, maxGapMs: 0 }) {
  let n = 0;
  let buf = reader instanceof ReadableStreamBYOBReader ? new ArrayBuffer(256 * 1024) : null;
  for (let last = Date.now(); ; ) {
    const { done, value } = buf ? await reader.read(new Uint8Array(buf)) : await reader.read();
    stats.reads++;
    stats.maxGapMs = Math.max(stats.maxGapMs, Date.now() - last);
    last = Date.now();
    if (done) return n;
    if (buf) buf = value.buffer;
    n += value.byteLength;
    if (n > budget) {
      await reader.cancel();
      return n;
    }
  }
}

export default {
  async fetch(request, _env, ctx) {
    const url = new URL(request.url);
    // ?busy=ms: hold the isolate's thread that long first, as a classify request does.
    const busy = Number(url.searchParams.get('busy') ?? 0);
    for (const end = Date.now() + busy; Date.now() < end; );
    if (request.method !== 'POST') return new Response('ok');
    const mode = url.searchParams.get('mode') ?? 'cancel';
    if (mode === 'ok') return new Response(`ok ${(await request.arrayBuffer()).byteLength}`);
    const t0 = Date.now();
    const stats = { reads: 0, maxGapMs: 0 };
    const tooLarge = () => new Response(JSON.stringify({ error: { code: 'body_too_large' }, ms: Date.now() - t0, ...stats }), { status: 413, headers: { 'content-type': 'application/json' } });
    const reader = request.body.getReader(mode === 'byob' ? { mode: 'byob' } : undefined);
    if (mode === 'cancel') await reader.cancel();
    else if (mode === 'partial') await discard(reader, LIMIT, stats);
    else if (mode === 'drain' || mode === 'byob') await discard(reader, Infinity, stats);
    else if (mode === 'waituntil') ctx.waitUntil(discard(reader));
    return tooLarge();
  },
};
