// A minimal Worker for reproducing how an oversized upload is answered (see README.md).
// POST /?mode=... answers 413 to any body over LIMIT, in one of these ways:
//   cancel     cancel the body unread, answer at once (what a Content-Length check does)
//   partial    read up to LIMIT, cancel the rest, answer (what a counting reader does)
//   drain      read the whole body and discard it, then answer
//   waituntil  answer at once, read and discard the body in ctx.waitUntil
// GET, or POST ?mode=ok, answers 200 (the other clients' requests; POST reads its body);
// ?busy=ms first holds the thread that long, as a CPU-bound request (a classify) does.
const LIMIT = 10 * 1024 * 1024;

async function discard(reader, budget = Infinity) {
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
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
    const tooLarge = () => new Response(JSON.stringify({ error: { code: 'body_too_large' } }), { status: 413, headers: { 'content-type': 'application/json' } });
    const reader = request.body.getReader();
    if (mode === 'cancel') await reader.cancel();
    else if (mode === 'partial') await discard(reader, LIMIT);
    else if (mode === 'drain') await discard(reader);
    else if (mode === 'waituntil') ctx.waitUntil(discard(reader));
    return tooLarge();
  },
};
