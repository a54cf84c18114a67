#!/usr/bin/env node
// `node tools/lib/install-local.mjs <dir>`: installs what only one tool needs (<dir>/package.json
// and its lockfile: tools/bench's ONNX Runtime anchors and old JPEG, PNG and WebP decoders, tools/serve's workerd)
// into <dir>/node_modules on first use, so the project's own `npm ci` stays small. Runs `npm ci`
// there when the installed tree does not match the lockfile; does nothing when it does.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve, join, relative } from 'node:path';

const dir = resolve(process.argv[2] ?? '');
if (!process.argv[2] || !existsSync(join(dir, 'package-lock.json'))) {
  console.error(`install-local: no package-lock.json in ${dir}; usage: node tools/lib/install-local.mjs <dir>`);
  process.exit(1);
}
const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));

function installedVersion(name) {
  const pj = join(dir, 'node_modules', name, 'package.json');
  return existsSync(pj) ? JSON.parse(readFileSync(pj, 'utf8')).version : null;
}

// Optional packages for other platforms (workerd's darwin/windows binaries) are never installed here.
const forThisPlatform = (p) => (!p.os || p.os.includes(process.platform)) && (!p.cpu || p.cpu.includes(process.arch));
const wanted = Object.entries(lock.packages)
  .filter(([path, p]) => path.startsWith('node_modules/') && (!p.optional || forThisPlatform(p)))
  .map(([path, p]) => [path.slice('node_modules/'.length), p.version]);
const stale = wanted.filter(([name, version]) => installedVersion(name) !== version);
if (stale.length === 0) process.exit(0);

const where = relative(process.cwd(), dir) || '.';
console.error(`install-local: installing ${wanted.length} packages into ${where}/node_modules (first use; ${where}/package.json says why)`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// Run inside <dir> rather than with --prefix: --prefix also moves npm's global config
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
  console.error(`install-local: npm ci in ${dir} failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
