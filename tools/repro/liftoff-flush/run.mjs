#!/usr/bin/env node
// Runs one.capnp (worker "a" alone) and two.capnp ("a", then "b") under workerd, sends one request
// to "a", stops workerd and counts how often V8 compiled a's WebAssembly function with Liftoff
// (--trace-wasm-compilation-times, set in the configs). README.md says what it shows.
//
//   node tools/repro/liftoff-flush/run.mjs [--json]     (WORKERD_BIN=/path/to/workerd to pick another build)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const workerd = process.env.WORKERD_BIN ?? createRequire(join(here, '../../../package.json'))('workerd').default;

/** workerd serve `config`, one GET to its socket; resolves to workerd's stdout once it has exited. */
function run(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(workerd, ['serve', join(here, config), '--control-fd=3'], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
    createInterface(child.stdio[3]).on('line', async (line) => {
      const m = JSON.parse(line);
      if (m.event !== 'listen') return;
      try {
        const res = await fetch(`http://127.0.0.1:${m.port}/`);
        if ((await res.text()) !== '42') throw new Error(`unexpected answer from ${config}`);
      } catch (e) {
        reject(e);
      }
      child.kill('SIGINT'); // workerd exits normally on SIGINT, so its stdout is flushed
    });
  });
}

const results = [];
for (const config of ['one.capnp', 'two.capnp']) {
  const out = await run(config);
  const liftoff = out.split('\n').filter((l) => /^Compiled function \S+#0 using Liftoff/.test(l)).length;
  results.push({ config, liftoff });
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ workerd, results }));
else {
  console.log(`workerd: ${workerd}`);
  for (const r of results) console.log(`${r.config}: a's function compiled with Liftoff ${r.liftoff} time(s)`);
}
