// Client side of the reproduction (see README.md). Node's own http client, keep-alive agent.
//   node client.mjs upload <base-url> <mode> <cl|chunked> [n=20]   12 MB uploads one after another
//   node client.mjs mixed  <base-url> <mode> [seconds=20]          8 loops of 100 KB POSTs beside 1 loop of 12 MB uploads
//                                                                   (BUSY=ms: each POST first holds the Worker's thread that long;
//                                                                    LOOPS=8 POST loops, UPLOADERS=1 upload loops)
//   node client.mjs idle   <base-url> [reps=8] [idle-s=5]          100 requests, idle, then one GET on the kept-alive connection
//   node client.mjs reuse  <base-url> <mode> [n=50]                 a 12 MB upload, then a GET on the same kept-alive connection, n times
//   node client.mjs soak   <base-url> <n> <pid,pid,...> [kind=get|post|big]   n requests at concurrency 16, RSS of the pids every n/5
//                                                                   (big: 12 MB uploads drained, MODE=byob with a BYOB reader)
// SHOW=1 prints every upload's answer: the Worker's reads, ms and longest wait between two reads.
import http from 'node:http';

const [scenario, base, ...rest] = process.argv.slice(2);
const url = new URL(base ?? 'http://127.0.0.1:8799/');
const BIG = Buffer.alloc(12 * 1024 * 1024, 0x41);
const SMALL = Buffer.alloc(100 * 1024, 0x42);

/** One request; resolves { status, ms } or { error, ms } (error = reset/EPIPE/timeout, no response). */
function send(agent, method, path, body, framing) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const headers = {};
    if (body && framing === 'cl') headers['content-length'] = String(body.length);
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        // SHOW=1: each upload's answer (the Worker's reads, ms and longest wait between reads).
        if (process.env.SHOW && path.startsWith('/upload')) console.log(`${(performance.now() - t0).toFixed(0)} ms: ${text}`);
        resolve({ status: res.statusCode, ms: performance.now() - t0 });
      });
      res.on('error', (e) => resolve({ error: e.code ?? e.message, ms: performance.now() - t0 }));
    });
    req.on('error', (e) => resolve({ error: e.code ?? e.message, ms: performance.now() - t0 }));
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT (30 s)' })));
    if (!body) return req.end();
    (async () => {
      for (let off = 0; off < body.length && !req.destroyed; off += 64 * 1024) {
        if (!req.write(body.subarray(off, off + 64 * 1024))) await writable(req);
      }
      req.end();
    })();
  });
}

/** Resolves when the request can take more body, or is closed. */
function writable(req) {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

const key = (r) => (r.status ? String(r.status) : r.error);
const tally = (rs) => rs.reduce((t, r) => ((t[key(r)] = (t[key(r)] ?? 0) + 1), t), {});

if (scenario === 'upload') {
  const [mode = 'cancel', framing = 'cl', n = '20'] = rest;
  const agent = new http.Agent({ keepAlive: true });
  const rs = [];
  for (let i = 0; i < Number(n); i++) rs.push(await send(agent, 'POST', `/upload?mode=${mode}`, BIG, framing));
  console.log(`upload mode=${mode} ${framing}: ${JSON.stringify(tally(rs))}`);
  agent.destroy();
} else if (scenario === 'mixed') {
  const [mode = 'cancel', seconds = '20'] = rest;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const end = Date.now() + Number(seconds) * 1000;
  const gets = [],
    uploads = [],
    lastUpload = { t: 0 };
  const failedNearUpload = [];
  const getLoop = async () => {
    while (Date.now() < end) {
      const r = await send(agent, 'POST', `/other?mode=ok&busy=${process.env.BUSY ?? 0}`, SMALL, 'cl');
      gets.push(r);
      if (r.status !== 200) failedNearUpload.push(Math.round(Date.now() - lastUpload.t));
    }
  };
  const uploadLoop = async () => {
    let i = 0;
    while (Date.now() < end) {
      lastUpload.t = Date.now();
      uploads.push(await send(agent, 'POST', `/upload?mode=${mode}`, BIG, i++ % 2 ? 'chunked' : 'cl'));
    }
  };
  const loops = Number(process.env.LOOPS ?? 8),
    uploaders = Number(process.env.UPLOADERS ?? 1);
  await Promise.all([...Array.from({ length: uploaders }, uploadLoop), ...Array.from({ length: loops }, getLoop)]);
  console.log(
    `mixed mode=${mode}: uploads ${JSON.stringify(tally(uploads))}; other requests ${JSON.stringify(tally(gets))}` +
      (failedNearUpload.length ? `; failures at ${failedNearUpload.join(', ')} ms after an upload started` : ''),
  );
  agent.destroy();
} else if (scenario === 'idle') {
  const [reps = '8', idle = '5'] = rest;
  for (let k = 0; k < Number(reps); k++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const burst = await Promise.all(Array.from({ length: 100 }, () => send(agent, 'GET', '/other', null)));
    await new Promise((r) => setTimeout(r, Number(idle) * 1000));
    const r = await send(agent, 'GET', '/other', null);
    console.log(`idle rep ${k}: burst ${JSON.stringify(tally(burst))}; GET after ${idle} s idle: ${key(r)} in ${r.ms.toFixed(0)} ms`);
    agent.destroy();
  }
} else if (scenario === 'reuse') {
  const [mode = 'drain', n = '50'] = rest;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const uploads = [],
    gets = [];
  for (let i = 0; i < Number(n); i++) {
    uploads.push(await send(agent, 'POST', `/upload?mode=${mode}`, BIG, i % 2 ? 'chunked' : 'cl'));
    gets.push(await send(agent, 'GET', '/other', null));
  }
  console.log(`reuse mode=${mode}: uploads ${JSON.stringify(tally(uploads))}; the GET after each, on the same connection: ${JSON.stringify(tally(gets))}`);
  agent.destroy();
} else if (scenario === 'soak') {
  const [n = '5000', pids = '', kind = 'get'] = rest;
  const { readFileSync } = await import('node:fs');
  const rss = () =>
    pids
      .split(',')
      .filter(Boolean)
      .map((p) => {
        try {
          return `${p}:${(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]) / 1024).toFixed(1)}MiB`;
        } catch {
          return `${p}:gone`;
        }
      })
      .join(' ');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const total = Number(n);
  let next = 0,
    done = 0;
  const results = [];
  console.log(`soak ${kind} 0/${total}: ${rss()}`);
  const one = () =>
    kind === 'get'
      ? send(agent, 'GET', '/other', null)
      : kind === 'post'
        ? send(agent, 'POST', '/other?mode=ok', SMALL, 'cl')
        : send(agent, 'POST', `/upload?mode=${process.env.MODE ?? 'drain'}`, BIG, 'cl');
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        next++;
        results.push(await one());
        if (++done % Math.max(1, Math.floor(total / 5)) === 0) console.log(`soak ${kind} ${done}/${total}: ${rss()}`);
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 10_000));
  console.log(`soak ${kind} idle 10 s: ${rss()}; answers ${JSON.stringify(tally(results))}`);
  agent.destroy();
} else {
  console.error('usage: node client.mjs upload|mixed|idle|soak <base-url> ...');
  process.exit(2);
}
