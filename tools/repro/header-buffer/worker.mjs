// A minimal Worker: ?busy=ms holds the thread that long (as a CPU-bound request does); a POST body
// is read to its end and thrown away. See README.md.
export default {
  async fetch(request) {
    const busy = Number(new URL(request.url).searchParams.get('busy') ?? 0);
    for (const end = Date.now() + busy; Date.now() < end; );
    let n = 0;
    if (request.body) for await (const chunk of request.body) n += chunk.byteLength;
    return new Response(`ok ${n}`);
  },
};
