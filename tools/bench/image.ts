/**
 * CPU time of the image pipeline: decode, then the Pillow-exact preprocessing (resize + center
 * crop) with each resampler — the TypeScript port (worker/image/resample.ts), the wasm scalar
 * reference build and the wasm SIMD128 build (worker/image/resample-wasm.ts, build/resample.*.wasm)
 * — for the ImageNet setting (224, bilinear, RGB), bicubic, and the default model's (64, gray).
 * Median of runs. A benchmark, not a test: these machines are noisy.   npx tsx tools/bench/image.ts
 * Needs `npm run build` (build/resample.{scalar,simd128}.wasm).
 */
import { readFileSync } from 'node:fs';
import { decodeImage, withDecodedImage, type DecodeOptions } from '../../worker/image/decode.ts';
import { getDecoders } from '../../worker/image/decoders.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { imageToInput } from '../../worker/image/input.ts';
import { resizeAndCrop, resizeShortSide } from '../../worker/image/preprocess.ts';
import { TS_RESAMPLER, type Resampler } from '../../worker/image/resample.ts';
import { WasmResampler } from '../../worker/image/resample-wasm.ts';
import type { DecodedImage, Orientation, Preprocessing } from '../../worker/image/types.ts';
import { IMAGENET_PREPROCESSING } from '../convert/convert.ts';
import { resampleModule } from '../engine-node.ts';
import { median } from '../lib/median.ts';
import { headerHelp, toolArgs } from '../lib/args.ts';

toolArgs('bench:image', headerHelp(import.meta.url), { options: {} });

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const wasm = (build: 'scalar' | 'simd128') => new WasmResampler(resampleModule(build));
const IMPLS: Array<[string, Resampler]> = [
  ['TS', TS_RESAMPLER],
  ['AS-scalar', wasm('scalar')],
  ['AS-SIMD', wasm('simd128')],
];

const SETTINGS: Array<[string, Preprocessing]> = [
  ['224 bilinear', IMAGENET_PREPROCESSING],
  ['224 bicubic', { ...IMAGENET_PREPROCESSING, interpolation: 'bicubic' }],
  ['64 gray', { ...IMAGENET_PREPROCESSING, input_size: 64, crop_pct: 1, grayscale: true }],
];

/** Median CPU ms of resizeAndCrop per implementation, the implementations interleaved run by run. */
function preprocessTimes(img: DecodedImage, p: Preprocessing, runs: number): number[] {
  const t: number[][] = IMPLS.map(() => []);
  for (let i = 0; i < runs + 2; i++) {
    IMPLS.forEach(([, r], k) => {
      const c0 = cpuMs();
      resizeAndCrop(img, p, r);
      const c1 = cpuMs();
      if (i >= 2) t[k].push(c1 - c0); // first two: JIT warm-up
    });
  }
  return t.map(median);
}

/**
 * Median CPU ms of a decode (withDecodedImage, no copy: the Worker's path), a copy of the image,
 * and the decoder's wasm memory after a decode from a fresh instance.
 */
async function decodeTimes(bytes: Uint8Array, opts: DecodeOptions, runs: number): Promise<{ ms: number; img: DecodedImage; memMiB: number }> {
  const d = getDecoders();
  const codec = bytes[0] === 0xff ? d.jpeg : bytes[0] === 0x89 ? d.png : d.webp;
  codec.reset();
  const img = await decodeImage(bytes, opts);
  const memMiB = codec.lastMemoryBytes / 2 ** 20;
  const dec: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = cpuMs();
    await withDecodedImage(bytes, opts, () => {});
    dec.push(cpuMs() - c0);
  }
  return { ms: median(dec), img, memMiB };
}

await initNodeDecoders();
const FILES: Array<[string, number]> = [
  ['test/fixtures/photos/china_palace_640x427.jpg', 30],
  ['test/fixtures/photos/chelsea_cat_451x300.png', 30],
  ['test/fixtures/photos/plush_gophers_lossless_600x400.webp', 30],
  ['test/fixtures/photos/coffee_cmyk_600x400.jpg', 10],
  ['test/fixtures/photos/dandelions_5312x2988.jpg', 5],
  ['test/fixtures/large/rings_7745x5161.jpg', 3],
];
// Decode: at full size (Pillow-exact, 1 GiB budget), and as imageToInput does for a 224 model
// (resizeShortSide 256: DCT-scaled when the JPEG is large; 64 MiB budget), which is what the
// Worker and the CLI run. The preprocessing below runs on that decode.
const FULL: DecodeOptions = { maxDecodeBytes: 2 ** 30 };
const WORKER_224: DecodeOptions = { resizeShortSide: resizeShortSide(IMAGENET_PREPROCESSING) };
console.log(`preprocess = resize + center crop (CPU ms, median); ${IMPLS.map(([n]) => n).join(' / ')}`);
for (const [file, runs] of FILES) {
  const bytes = new Uint8Array(readFileSync(file));
  const full = await decodeTimes(bytes, FULL, Math.min(runs, 10));
  const w = await decodeTimes(bytes, WORKER_224, Math.min(runs, 10));
  const img: DecodedImage = w.img;
  const scaled = img.source ? `1/${Math.round(img.source.width / img.width)} → ${img.width}x${img.height}, ` : 'full size, ';
  console.log(
    `${file.split('/').pop()}: ${full.img.width}x${full.img.height}, decode ${full.ms.toFixed(1)} ms at full size (decoder memory ${full.memMiB.toFixed(1)} MiB); ` +
      `for a 224 model ${scaled}${w.ms.toFixed(1)} ms (${w.memMiB.toFixed(1)} MiB)`,
  );
  const whole: number[] = [];
  for (let i = 0; i < Math.min(runs, 10); i++) {
    const c0 = cpuMs();
    await imageToInput(bytes, IMAGENET_PREPROCESSING);
    whole.push(cpuMs() - c0);
  }
  console.log(`  imageToInput, 224 bilinear (decode + resize + crop, the Worker's and the CLI's path): ${median(whole).toFixed(2)} ms`);
  for (const [name, p] of SETTINGS) {
    const orientations: Orientation[] = name === '224 bilinear' ? [1, 3, 6] : [1];
    for (const o of orientations) {
      const t = preprocessTimes({ ...img, orientation: o }, p, runs);
      const label = `${name}${o === 1 ? '' : ` (EXIF ${o})`}`;
      console.log(`  ${label.padEnd(22)} ${t.map((x) => x.toFixed(2).padStart(7)).join(' ')} ms   speed-up TS/SIMD ${(t[0] / t[2]).toFixed(1)}x`);
    }
  }
}
