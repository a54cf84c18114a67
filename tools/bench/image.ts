/**
 * CPU time of the image pipeline (decode + Pillow-exact preprocessing to 224), median of runs.
 * A benchmark, not a test: these machines are noisy.   npx tsx tools/bench/image.ts
 */
import { readFileSync } from 'node:fs';
import { decodeImage } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { resizeAndCrop } from '../../worker/image/preprocess.ts';
import { IMAGENET_PREPROCESSING } from '../convert/convert.ts';

const cpuMs = () => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;

async function measure(path: string, runs: number) {
  const bytes = new Uint8Array(readFileSync(path));
  const dec: number[] = [];
  const pre: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const c0 = cpuMs();
    const img = await decodeImage(bytes);
    const c1 = cpuMs();
    resizeAndCrop(img, IMAGENET_PREPROCESSING);
    const c2 = cpuMs();
    if (i >= 2) dec.push(c1 - c0), pre.push(c2 - c1); // first two: JIT warm-up
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
  return { decode: med(dec), preprocess: med(pre) };
}

await initNodeDecoders();
for (const [file, runs] of [
  ['test/fixtures/photos/china_palace_640x427.jpg', 30],
  ['test/fixtures/photos/chelsea_cat_451x300.png', 30],
  ['test/fixtures/photos/plush_gophers_lossless_600x400.webp', 30],
  ['test/fixtures/photos/coffee_cmyk_600x400.jpg', 10],
  ['test/fixtures/photos/dandelions_5312x2988.jpg', 3],
] as const) {
  const r = await measure(file, runs);
  console.log(`${file.split('/').pop()!.padEnd(40)} decode ${r.decode.toFixed(1).padStart(7)} ms   preprocess ${r.preprocess.toFixed(1).padStart(6)} ms (CPU, median of ${runs})`);
}
