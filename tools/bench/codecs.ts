/**
 * PNG and WebP decode: the decoders the Worker used before issue #10 (@jsquash/png 3.1.1: Rust
 * `png`; @jsquash/webp 1.5.0: libwebp, Emscripten) against ours (native/png, native/webp),
 * interleaved in one run, as ratios; and where the time of our decode goes (V8's sampling
 * profiler, self time grouped by function).
 *
 *   npm run bench:codecs [-- --runs 30] [-- --only REGEX] [-- --profile]
 *
 * Images: the photos and goldens in test/fixtures (every PNG colour type the tests cover), the
 * bench:request WebP, a lossy WebP with alpha (tools/bench/codecs/images.py) and bench:jpeg's
 * 640x427 PNG/WebP (made with Pillow on first use).
 *
 * Timing: CPU time (process.cpuUsage) of one whole decode as the Worker calls it (input copied
 * into wasm memory, output read in place where the decoder allows), median of `runs` rounds after
 * 5 warm-up rounds; in each round every contender decodes every image once, in a rotating order.
 * The machine is shared, so absolute times move between runs; the ratios within a run are the
 * result. Before timing, the contenders' RGB must be identical.
 *
 * Output: a markdown table on stdout, JSON in tmp/bench/codecs.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { RawImage } from '../../worker/image/codec-common.ts';
import { getDecoders } from '../../worker/image/decoders.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { JsquashPngCodec, loadJsquashPng } from './codecs/jsquash-png.ts';
import { loadJsquashWebp } from './codecs/jsquash-webp.ts';
import { ensureJpegBenchImages, type Fn, interleavedRounds, JPEG_BENCH_IMAGES, profileShares } from './decode-rounds.ts';
import { machineInfo } from './report.ts';
import { headerHelp, int, regex, toolArgs } from '../lib/args.ts';
import { median } from '../lib/median.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');
const MADE = join(ROOT, 'tmp', 'bench', 'codecs');
const { values: o } = toolArgs('bench:codecs', headerHelp(import.meta.url), {
  options: { runs: { type: 'string' }, only: { type: 'string' }, profile: { type: 'boolean', default: false } },
});
const RUNS = int(o.runs, '--runs', 30, 1);
const ONLY = regex(o.only, '--only');
const PROFILE = o.profile!;
const WARMUP = 5;

interface Image {
  name: string;
  file: string;
  format: 'png' | 'webp';
}

const IMAGES: Image[] = [
  { name: '600x400 PNG RGB (coffee, bench:request)', file: join(FIX, 'photos/coffee_600x400.png'), format: 'png' },
  { name: '640x427 PNG RGB (china, bench:jpeg)', file: join(JPEG_BENCH_IMAGES, 'china_640x427.png'), format: 'png' },
  { name: '451x300 PNG RGB (chelsea)', file: join(FIX, 'photos/chelsea_cat_451x300.png'), format: 'png' },
  { name: '600x400 PNG RGBA (coffee cut-out)', file: join(FIX, 'photos/coffee_rgba_cutout_600x400.png'), format: 'png' },
  { name: '512x512 PNG gray (camera)', file: join(FIX, 'photos/camera_gray_512x512.png'), format: 'png' },
  { name: '451x300 PNG palette', file: join(FIX, 'hostile/palette_photo.png'), format: 'png' },
  { name: '451x300 PNG 16-bit RGB', file: join(FIX, 'hostile/rgb16_photo.png'), format: 'png' },
  { name: '451x300 PNG interlaced', file: join(FIX, 'hostile/interlaced_adam7_photo.png'), format: 'png' },
  { name: '600x400 WebP lossy q80 (coffee, bench:request)', file: join(MADE, 'coffee_600x400_q80.webp'), format: 'webp' },
  { name: '640x427 WebP lossy q80 (china, bench:jpeg)', file: join(JPEG_BENCH_IMAGES, 'china_q80_640x427.webp'), format: 'webp' },
  { name: '600x400 WebP lossy q80 + alpha (coffee cut-out)', file: join(MADE, 'coffee_rgba_600x400_q80.webp'), format: 'webp' },
  { name: '600x400 WebP lossless (plush)', file: join(FIX, 'photos/plush_gophers_lossless_600x400.webp'), format: 'webp' },
];

ensureJpegBenchImages(
  IMAGES.map((i) => i.file).filter((f) => f.startsWith(JPEG_BENCH_IMAGES)),
  'bench:codecs',
);
if (!IMAGES.every((i) => !i.file.startsWith(MADE) || existsSync(i.file))) {
  console.error('bench:codecs: making the WebP images with Pillow (tools/bench/codecs/images.py)');
  execFileSync('/usr/bin/python3', [join(ROOT, 'tools/bench/codecs/images.py'), MADE], { stdio: 'inherit' });
}

await initNodeDecoders();
const decoders = getDecoders();
const oldPng = new JsquashPngCodec(loadJsquashPng());
const oldWebp = await loadJsquashWebp();

interface Row {
  image: Image;
  pixels: number;
  contenders: Record<string, Fn>;
}

const rgbOf = (img: RawImage) => {
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 3) out.set(img.data.subarray(i, i + 3), j);
  return out;
};
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

const rows: Row[] = [];
for (const image of IMAGES.filter((i) => !ONLY || ONLY.test(i.name))) {
  const bytes = new Uint8Array(readFileSync(image.file));
  const h = readImageHeader(bytes, image.format);
  const contenders: Record<string, Fn> = {};
  let a: Uint8Array;
  if (image.format === 'png') {
    contenders.old = () => oldPng.decode(bytes, () => 0);
    a = oldPng.decode(bytes, rgbOf);
  } else {
    contenders.old = () => oldWebp.decode(bytes);
    a = rgbOf((await oldWebp.decode(bytes)).image);
  }
  const ours = decoders[image.format];
  contenders.ours = () => ours.decode(bytes, h.width, h.height, () => 0);
  if (!same(a, ours.decode(bytes, h.width, h.height, rgbOf))) throw new Error(`${image.name}: the decoders disagree`);
  rows.push({ image, pixels: h.width * h.height, contenders });
}

const loadBefore = loadavg();
const samples = await interleavedRounds(rows, WARMUP, RUNS);
const loadAfter = loadavg();

/** Where a decode's time goes: self time of its wasm functions, grouped (V8's sampling profiler). */
const GROUPS: Array<[string, RegExp]> = [
  ['inflate', /^(libdeflate_(zlib|deflate)_decompress\w*|build_\w*decode_table|\w*adler32\w*)$/],
  ['CRC-32', /^(libdeflate_)?crc32\w*$/],
  ['unfilter', /^(pd_unfilter_row|unfilter\w*|unfilter_rows)$/],
  ['to RGBA', /^(pd_expand_row|emit_\w+|rgb8|gray8|gray_alpha8)$/],
  // libwebp: VP8 (lossy) and VP8L (lossless) decoding, alpha plane, YUV->RGB and fancy upsampling
  ['VP8 lossy: bitstream (coefficients)', /^(GetCoeffs\w*|VP8DecodeMB|ParseIntraMode\w*|VP8ParseIntraModeRow|VP8GetBit\w*|VP8LoadNewBytes|VP8GetSigned|GetLargeValue)$/],
  [
    'VP8 lossy: transforms, prediction, loop filter',
    /^(Transform\w*|TransformTwo|TM\w*|VE\w*|HE\w*|DC\w*|RD4|VR4|LD4|VL4|HU4|HD4|SimpleVFilter\w*|SimpleHFilter\w*|VFilter\w*|HFilter\w*|FilterLoop\w*|DoFilter\w*|FilterRow|ReconstructRow|VP8ProcessRow|FinishRow|DoUVTransform|DoTransform)$/,
  ],
  ['YUV to RGBA + upsampling', /^(UpsampleRgbaLinePair\w*|EmitFancyRGB|EmitSampledRGB|VP8YuvToRgba\w*|YuvToRgba\w*|FancyUpsampler\w*|\w*Upsample\w*|\w*YuvTo\w*)$/],
  ['alpha plane', /^(ALPHDecode|AllocateAlphaPlane|VP8DecompressAlphaRows|EmitAlphaRGB|ApplyAlphaMultiply|\w*Filter_C|ExtractAlphaRows|DispatchAlpha\w*|ExtractGreen\w*)$/],
  [
    'VP8L lossless',
    /^(DecodeImageData|DecodeAlphaData|ReadSymbol|VP8L\w*|PredictorAdd\w*|Predictor\w*|AddGreenToBlueAndRed\w*|TransformColorInverse\w*|ColorIndexInverseTransform\w*|CopyBlock\w*|ProcessRows|ApplyInverseTransforms|EmitRows|ReadHuffmanCode\w*|BuildHuffmanTable|ConvertBGRAToRGBA\w*|\w*BGRA\w*)$/,
  ],
  ['chunks, glue', /^(pd_decode|pd_\w+|memcpy|memset|memmove|malloc|free|dlmalloc|dlfree|js-to-wasm\W.*)$/],
];
const profile = (fn: Fn, n: number) =>
  profileShares(fn, n, (frame) => (frame.url.startsWith('wasm://') ? (GROUPS.find(([, re]) => re.test(frame.functionName))?.[0] ?? `other wasm (${frame.functionName})`) : 'JS glue'));

interface Result {
  image: string;
  pixels: number;
  ms: Record<string, number>;
  speedup?: number;
  profile?: Record<string, number>;
}
const results: Result[] = [];
for (const [i, r] of rows.entries()) {
  const ms = Object.fromEntries(Object.entries(samples[i]).map(([k, v]) => [k, median(v)]));
  const res: Result = { image: r.image.name, pixels: r.pixels, ms, speedup: ms.old / ms.ours };
  if (PROFILE) res.profile = await profile(r.contenders.ours, Math.max(5, Math.round(300 / ms.ours)));
  results.push(res);
}

const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
console.log(
  `\nPNG/WebP decode, CPU ms (median of ${RUNS} interleaved rounds); load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after\n`,
);
console.log('| image | old | ours | **old / ours** | ns/px old → ours |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.image} | ${f(r.ms.old)} | ${f(r.ms.ours)} | **${f(r.speedup)}×** | ${f((1e6 * r.ms.old) / r.pixels, 1)} → ${f((1e6 * r.ms.ours) / r.pixels, 1)} |`);
}
if (PROFILE) {
  console.log('\nWhere our decode spends its time (profile self time):\n');
  for (const r of results)
    console.log(
      `- ${r.image}: ${Object.entries(r.profile!)
        .map(([k, v]) => `${k} ${Math.round(100 * v)}%`)
        .join(', ')}`,
    );
}

mkdirSync(join(ROOT, 'tmp', 'bench'), { recursive: true });
const json = join(ROOT, 'tmp', 'bench', 'codecs.json');
writeFileSync(json, JSON.stringify({ machine: { ...machineInfo(), loadavgAfter: loadAfter }, runs: RUNS, results }, null, 2));
console.log(`\n(JSON: ${json})`);
