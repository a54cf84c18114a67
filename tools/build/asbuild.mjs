// Compiles the engine three times from one source: scalar (the reference), SIMD128, relaxed SIMD.
// The kernels pick their variant at compile time from ASC_FEATURE_SIMD / ASC_FEATURE_RELAXED_SIMD.
import { main } from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';

mkdirSync('build', { recursive: true });
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['scalar', 'simd128', 'relaxed'];
for (const target of targets) {
  const { error, stderr } = await main(['--config', 'asconfig.json', '--target', target]);
  if (error) {
    process.stderr.write(stderr.toString());
    process.stderr.write(`asbuild: ${target} failed: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`asbuild: build/engine.${target}.wasm\n`);
}
