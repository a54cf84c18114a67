// Compiles the engine three times from one source: scalar (the reference), SIMD128, relaxed SIMD;
// the image module (the Pillow resampler, asconfig.resample.json): scalar and SIMD128; and the
// benchmark's peak probe (asconfig.probe.json, assembly/probe/): SIMD128 and relaxed.
// The kernels pick their variant at compile time from ASC_FEATURE_SIMD / ASC_FEATURE_RELAXED_SIMD.
// `node tools/build/asbuild.mjs simd128` builds only the named targets.
import { main } from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';

const MODULES = [
  { config: 'asconfig.json', name: 'engine', targets: ['scalar', 'simd128', 'relaxed'] },
  { config: 'asconfig.resample.json', name: 'resample', targets: ['scalar', 'simd128'] },
  { config: 'asconfig.probe.json', name: 'probe', targets: ['simd128', 'relaxed'] },
];

mkdirSync('build', { recursive: true });
const wanted = process.argv.slice(2);
for (const { config, name, targets } of MODULES) {
  for (const target of targets) {
    if (wanted.length && !wanted.includes(target)) continue;
    const { error, stderr } = await main(['--config', config, '--target', target]);
    if (error) {
      process.stderr.write(stderr.toString());
      process.stderr.write(`asbuild: ${name}.${target} failed: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`asbuild: build/${name}.${target}.wasm\n`);
  }
}
