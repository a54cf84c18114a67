#!/usr/bin/env node
// Installs what only the benchmarks need (tools/bench/package.json: the ONNX Runtime anchors, the
// old JPEG and PNG decoders)
// into tools/bench/node_modules, on first use, so the project's own `npm ci` stays small and
// offline-safe. Runs `npm ci` there when the installed tree does not match the lockfile.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));

function installedVersion(name) {
  const pj = join(dir, 'node_modules', name, 'package.json');
  return existsSync(pj) ? JSON.parse(readFileSync(pj, 'utf8')).version : null;
}

const wanted = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith('node_modules/'))
  .map(([path, p]) => [path.slice('node_modules/'.length), p.version]);
const stale = wanted.filter(([name, version]) => installedVersion(name) !== version);
if (stale.length === 0) process.exit(0);

console.error(`bench: installing ${wanted.length} benchmark-only packages into tools/bench/node_modules (first use)`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// Run inside tools/bench rather than with --prefix: --prefix also moves npm's global config
// (<prefix>/etc/npmrc), and with it settings of the machine such as its CA file.
const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
  cwd: dir,
  stdio: 'inherit',
  // tools/bench/.npmrc already says onnxruntime-node-install=skip; npm warns that unknown
  // .npmrc keys stop working in its next major version, so pass the variable the
  // onnxruntime-node install script reads first as well (it skips the CUDA download from
  // outside the npm registry; the CPU binary ships in the package).
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
});
if (r.status !== 0) {
  console.error(`bench: npm ci in ${dir} failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
