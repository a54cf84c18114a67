#!/usr/bin/env node
// Shows that workerd's HTTP server (kj's HttpInputStreamImpl) keeps a per-connection read buffer
// that doubles whenever one read of the next request fills it (the request's headers and the start
// of its body already waiting in the socket), and frees it only when the connection closes.
// C connections; on each, ROUNDS times: a GET that holds workerd's thread BUSY ms, pipelined with a
// POST of BODY MiB (so the POST's bytes queue in the socket while the GET runs), or with
// `sequential` the POST sent after the GET's answer. Prints workerd's RSS after each round, the read
// buffers scan.py finds in workerd's memory, and the RSS after the connections are closed. README.md.
//
//   node tools/repro/header-buffer/run.mjs [pipelined|sequential]
//   (env: C=4 ROUNDS=16 BODY=12 BUSY=50; WORKERD_BIN=/path/to/workerd to pick another build)
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const workerd = process.env.WORKERD_BIN ?? createRequire(join(here, '../../../package.json'))('workerd').default;
const mode = process.argv[2] ?? 'pipelined';
const C = Number(process.env.C ?? 4),
  ROUNDS = Number(process.env.ROUNDS ?? 16);
const BODY = Number(process.env.BODY ?? 12) * 1048576,
  BUSY = Number(process.env.BUSY ?? 50);
const body = Buffer.alloc(BODY, 0x61);
let dropped = 0;
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const child = spawn(workerd, ['serve', join(here, 'workerd.capnp'), '--socket-addr', 'http=127.0.0.1:0', '--control-fd=3'], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
process.on('exit', () => child.kill('SIGINT')); // also when this script fails
const port = await new Promise((ok) =>
  createInterface(child.stdio[3]).on('line', (l) => {
    const m = JSON.parse(l);
    if (m.event === 'listen') ok(m.port);
  }),
);

/** One kept-alive connection; `send(text, nAnswers)` writes and resolves after n whole answers. */
function connect() {
  const s = net.connect(port, '127.0.0.1');
  let buf = '',
    want = 0,
    got = 0,
    done;
  // workerd 1.20260426.1 drops some kept-alive connections under saturation (docs/reliability.md § 1):
  // such a connection is counted and left out of the following rounds.
  const c = { socket: s, dead: false };
  const die = () => {
    if (!c.dead) {
      c.dead = true;
      dropped++;
      done?.();
    }
  };
  s.on('error', die);
  s.on('close', die);
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (let m; (m = /^HTTP\/1\.1 (\d+)[\s\S]*?\r\ncontent-length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(buf)) && buf.length >= m.index + m[0].length + Number(m[2]); ) {
      buf = buf.slice(m[0].length + Number(m[2]));
      if (++got === want) done();
    }
  });
  c.send = (parts, n) =>
    new Promise((ok) => {
      if (c.dead) return ok();
      want = got + n;
      done = ok;
      for (const p of parts) s.write(p);
    });
  return c;
}
const get = `GET /?busy=${BUSY} HTTP/1.1\r\nHost: x\r\n\r\n`;
const post = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY}\r\n\r\n`;
const conns = await Promise.all(
  Array.from({ length: C }, async () => {
    const c = connect();
    await new Promise((r) => c.socket.once('connect', r));
    return c;
  }),
);
await Promise.all(conns.map((c) => c.send([get], 1)));
console.log(`workerd ${workerd.split('/').slice(-4).join('/')}; ${C} connections, ${mode}: GET busy ${BUSY} ms + POST ${BODY / 1048576} MiB, ${ROUNDS} rounds`);
console.log(`RSS after connecting: ${rss(child.pid).toFixed(1)} MiB`);
const line = [];
for (let r = 1; r <= ROUNDS; r++) {
  await Promise.all(
    conns.map(async (c) => {
      if (mode === 'pipelined') await c.send([get, post, body], 2);
      else {
        await c.send([get], 1);
        await c.send([post, body], 1);
      }
    }),
  );
  line.push(rss(child.pid).toFixed(0));
}
console.log(`RSS after each round (MiB): ${line.join(' ')}`);
await sleep(1000);
const before = rss(child.pid);
// kj's per-connection read buffers, found in workerd's memory (scan.py).
const scan = spawnSync('python3', [join(here, 'scan.py'), String(child.pid)], { encoding: 'utf8' });
const found = scan.status === 0 ? JSON.parse(scan.stdout) : null;
console.log(found ? `kj header buffers before closing: ${found.buffers}, ${found.totalMiB} MiB (KiB: ${found.sizesKiB.join(' ')})` : `scan.py failed: ${scan.stderr}`);
const open = conns.filter((c) => !c.dead).length;
for (const c of conns) {
  c.dead = true;
  c.socket.destroy();
}
await sleep(1000);
console.log(`1 s after the last round: ${before.toFixed(1)} MiB; 1 s after closing the ${open} connections still open (${dropped} dropped by workerd): ${rss(child.pid).toFixed(1)} MiB`);
child.kill('SIGINT');
