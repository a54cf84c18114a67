/**
 * JPEG decode: the old decoder (@cwasm/jpeg-turbo: libjpeg-turbo 2.0.4, -Oz, no SIMD) against
 * ours (native/jpeg/jpeg-turbo.wasm: 2.1.5, -O3, WebAssembly SIMD128 kernels), interleaved in one
 * run, as ratios; beside them the same source as ours with the kernels off (the test build in C
 * mode: what -O3 and 2.1.5 alone give), PNG and WebP decodes of the same picture, and how much of a
 * JPEG decode is Huffman decoding before and after.
 *
 *   npm run bench:jpeg [-- --runs 40] [-- --profile] [-- --baseline A.wasm,B.wasm] [-- --only REGEX]
 *
 * --baseline: other builds of ours with the same jd_decode interface (e.g. the script run with one
 * flag changed) as more contenders, for before/after ratios of a change in the same run; --only:
 * just the images whose name matches REGEX.
 *
 * Images (tools/bench/jpeg/images.py, Debian's Pillow, made on first use into tmp/bench/jpeg/):
 * the issue's set — 640x427 baseline 4:2:0, 1024x768, 4:4:4, progressive, a 12 Mpx baseline phone
 * photo (also at 1/2 scale, as the Worker decodes it for a 224 model), a PNG, a WebP.
 *
 * Timing: CPU time (process.cpuUsage) of one whole decode as the Worker calls it (input copied
 * into wasm memory, output left there), median of `runs` rounds after 5 warm-up rounds; in each
 * round every contender decodes every image once, in a rotating order. The machine is shared, so
 * absolute times move between runs; the ratios within a run are the result.
 *
 * Huffman share: (1) entropy decoding alone (jpeg_read_coefficients in the test build: Huffman
 * decoding into the coefficient arrays, nothing after) over a whole decode, with the kernels off
 * ("before": libjpeg's C code, the old build's composition) and on ("after"); (2) with --profile,
 * the V8 sampling profiler's self time of libjpeg's entropy-decoding functions in a whole decode.
 *
 * Output: a markdown table on stdout, JSON in tmp/bench/jpeg.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { JpegCodec, jpegScale, type JpegExports } from '../../worker/image/codec-jpeg.ts';
import { getDecoders } from '../../worker/image/decoders.ts';
import { initNodeDecoders, JPEG_DECODER_WASM } from '../../worker/image/decoders-node.ts';
import { readImageHeader } from '../../worker/image/dimensions.ts';
import { ensureJpegBenchImages, type Fn, interleavedRounds, JPEG_BENCH_IMAGES, profileShares } from './decode-rounds.ts';
import { CwasmTurboDecoder, loadCwasmTurbo } from './jpeg/cwasm-turbo.ts';
import { machineInfo } from './report.ts';
import { headerHelp, int, regex, toolArgs, wasmFile } from '../lib/args.ts';
import { median } from '../lib/median.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = JPEG_BENCH_IMAGES;
const { values: o } = toolArgs('bench:jpeg', headerHelp(import.meta.url), {
  options: { runs: { type: 'string' }, profile: { type: 'boolean', default: false }, baseline: { type: 'string' }, only: { type: 'string' } },
});
const RUNS = int(o.runs, '--runs', 30, 1);
const PROFILE = o.profile!;
const BASELINE = o.baseline;
for (const file of BASELINE ? BASELINE.split(',') : []) wasmFile(file, `--baseline ${file}`);
const ONLY = regex(o.only, '--only');
const WARMUP = 5;

interface TestExports extends JpegExports {
  jd_test_set_simd(on: number): void;
  jd_test_coefficients(src: number, size: number, hash: number): number;
}

interface Image {
  name: string;
  file: string;
  format: 'jpeg' | 'png' | 'webp';
  scale: 1 | 2 | 4 | 8;
}

const IMAGES: Image[] = [
  { name: '640x427 baseline 4:2:0 q90', file: join(OUT, 'china_420_q90_640x427.jpg'), format: 'jpeg', scale: 1 },
  { name: '640x427 4:4:4 q95 (china_palace)', file: join(ROOT, 'test/fixtures/photos/china_palace_640x427.jpg'), format: 'jpeg', scale: 1 },
  { name: '640x427 progressive 4:2:0 q90', file: join(OUT, 'china_420_q90_progressive_640x427.jpg'), format: 'jpeg', scale: 1 },
  { name: '1024x768 4:2:0 q90 (raccoon)', file: join(ROOT, 'test/fixtures/photos/raccoon_face_1024x768.jpg'), format: 'jpeg', scale: 1 },
  { name: '3984x2988 phone photo 4:2:0 q92', file: join(OUT, 'dandelions_phone_3984x2988.jpg'), format: 'jpeg', scale: 1 },
  { name: '3984x2988 phone photo at 1/2 (Worker, 224 model)', file: join(OUT, 'dandelions_phone_3984x2988.jpg'), format: 'jpeg', scale: 2 },
  { name: '640x427 PNG', file: join(OUT, 'china_640x427.png'), format: 'png', scale: 1 },
  { name: '640x427 WebP lossy q80', file: join(OUT, 'china_q80_640x427.webp'), format: 'webp', scale: 1 },
  { name: '451x300 PNG (chelsea)', file: join(ROOT, 'test/fixtures/photos/chelsea_cat_451x300.png'), format: 'png', scale: 1 },
  { name: '600x400 WebP lossless (plush)', file: join(ROOT, 'test/fixtures/photos/plush_gophers_lossless_600x400.webp'), format: 'webp', scale: 1 },
];

ensureJpegBenchImages(
  IMAGES.map((i) => i.file),
  'bench:jpeg',
);

await initNodeDecoders();
const decoders = getDecoders();
const ours = new JpegCodec(new WebAssembly.Module(readFileSync(JPEG_DECODER_WASM)));
const old = new CwasmTurboDecoder(loadCwasmTurbo());
const TEST_MODULE = new WebAssembly.Module(readFileSync(join(ROOT, 'native/jpeg/jpeg-turbo-test.wasm')));
let testExports: TestExports | null = null;
/** The test build with the kernels off: libjpeg 2.1.5's C code, -O3, same toolchain. */
const cMode = new JpegCodec(TEST_MODULE, (e) => {
  testExports = e as TestExports;
  testExports.jd_test_set_simd(0);
});

interface Row {
  image: Image;
  pixels: number;
  contenders: Record<string, Fn>;
}

const baselines = (BASELINE ? BASELINE.split(',') : []).map((file) => ({ file, codec: new JpegCodec(new WebAssembly.Module(readFileSync(file))) }));

const rows: Row[] = IMAGES.filter((image) => !ONLY || ONLY.test(image.name)).map((image) => {
  const bytes = new Uint8Array(readFileSync(image.file));
  const h = readImageHeader(bytes, image.format);
  const pixels = Math.ceil(h.width / image.scale) * Math.ceil(h.height / image.scale);
  const contenders: Record<string, Fn> = {};
  if (image.format === 'jpeg') {
    const req = { width: h.width, height: h.height, scale: jpegScale(image.scale), cmyk: h.jpeg!.components === 4 };
    contenders.old = () => old.decode(bytes, h.width, h.height, image.scale, req.cmyk, () => 0);
    contenders.ours = () => ours.decode(bytes, req, () => 0);
    contenders.ours_c = () => cMode.decode(bytes, req, () => 0);
    for (const [k, b] of baselines.entries()) {
      contenders[`baseline${k}`] = () => b.codec.decode(bytes, req, () => 0);
      const px = b.codec.decode(bytes, req, (img) => new Uint8Array(img.data).slice());
      const mine = ours.decode(bytes, req, (img) => new Uint8Array(img.data).slice());
      if (px.length !== mine.length || px.some((v, i) => v !== mine[i])) throw new Error(`${image.name}: ${b.file} decodes other pixels`);
    }
    // Entropy decoding alone (test build; the kernels play no part in it).
    contenders.entropy = () => {
      const ex = testExports!;
      const src = ex.malloc(bytes.length);
      new Uint8Array(ex.memory.buffer, src, bytes.length).set(bytes);
      ex.jd_test_coefficients(src, bytes.length, 0);
      ex.free(src);
    };
    // Same output? (old: libjpeg-turbo 2.0.4; ours: 2.1.5 with our kernels; both must equal libjpeg's C.)
    const a = old.decode(bytes, h.width, h.height, image.scale, req.cmyk, (px) => px.slice());
    const b = ours.decode(bytes, req, (img) => new Uint8Array(img.data).slice());
    const c = cMode.decode(bytes, req, (img) => new Uint8Array(img.data).slice());
    if (a.length !== b.length || a.some((v, i) => v !== b[i]) || b.some((v, i) => v !== c[i])) throw new Error(`${image.name}: the decoders disagree`);
  } else if (image.format === 'png') {
    contenders.ours = () => decoders.png.decode(bytes, h.width, h.height, () => 0);
  } else {
    contenders.ours = () => decoders.webp.decode(bytes, h.width, h.height, () => 0);
  }
  return { image, pixels, contenders };
});

const loadBefore = loadavg();
const samples = await interleavedRounds(rows, WARMUP, RUNS);
const loadAfter = loadavg();

/** Self-time share of libjpeg's entropy decoding in a whole decode, from V8's sampling profiler. */
async function huffmanProfileShare(fn: Fn, n: number): Promise<number> {
  const shares = await profileShares(fn, n, (f) => (/^(decode_mcu\w*|jpeg_fill_bit_buffer|jpeg_huff_decode|process_restart)$/.test(f.functionName) ? 'huffman' : 'other'));
  return shares.huffman ?? 0;
}

interface Result {
  image: string;
  pixels: number;
  ms: Record<string, number>;
  speedup?: number;
  speedupC?: number;
  /** baseline / ours for each --baseline file */
  speedupBaseline?: number[];
  huffmanShare?: { before: number; after: number; profileBefore?: number; profileAfter?: number };
}
const results: Result[] = [];
for (const [i, r] of rows.entries()) {
  const ms = Object.fromEntries(Object.entries(samples[i]).map(([k, v]) => [k, median(v)]));
  const res: Result = { image: r.image.name, pixels: r.pixels, ms };
  if (r.image.format === 'jpeg') {
    res.speedup = ms.old / ms.ours;
    res.speedupC = ms.old / ms.ours_c;
    res.speedupBaseline = baselines.map((_, k) => ms[`baseline${k}`] / ms.ours);
    res.huffmanShare = { before: ms.entropy / ms.ours_c, after: ms.entropy / ms.ours };
    if (PROFILE) {
      const n = Math.max(3, Math.round(300 / ms.ours));
      res.huffmanShare.profileBefore = await huffmanProfileShare(r.contenders.ours_c, n);
      res.huffmanShare.profileAfter = await huffmanProfileShare(r.contenders.ours, n);
    }
  }
  results.push(res);
}

const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : `${Math.round(100 * x)}%`);
console.log(
  `\nJPEG decode, CPU ms (median of ${RUNS} interleaved rounds); load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after\n`,
);
console.log(
  '| image | old @cwasm (2.0.4 -Oz) | ours, kernels off (2.1.5 -O3 C) | ours | old / ours | ns/px ours | Huffman share before → after' + (PROFILE ? ' (profile: before → after)' : '') + ' |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  if (r.speedup === undefined) continue;
  const hs = r.huffmanShare!;
  const prof = PROFILE ? ` (${pct(hs.profileBefore)} → ${pct(hs.profileAfter)})` : '';
  console.log(`| ${r.image} | ${f(r.ms.old)} | ${f(r.ms.ours_c)} | ${f(r.ms.ours)} | **${f(r.speedup)}×** | ${f((1e6 * r.ms.ours) / r.pixels, 1)} | ${pct(hs.before)} → ${pct(hs.after)}${prof} |`);
}
if (baselines.length) {
  console.log(`\n| image | ours | ${baselines.map((b) => `${b.file}: ms, baseline / ours`).join(' | ')} |`);
  console.log(`|---|---|${baselines.map(() => '---|').join('')}`);
  for (const r of results) {
    if (r.speedupBaseline) console.log(`| ${r.image} | ${f(r.ms.ours)} | ${r.speedupBaseline.map((x, k) => `${f(r.ms[`baseline${k}`])}, **${f(x, 3)}×**`).join(' | ')} |`);
  }
}
console.log('\n| other formats (our decoders, same run) | ms | ns/px |');
console.log('|---|---|---|');
for (const r of results) if (r.speedup === undefined) console.log(`| ${r.image} | ${f(r.ms.ours)} | ${f((1e6 * r.ms.ours) / r.pixels, 1)} |`);

mkdirSync(join(ROOT, 'tmp', 'bench'), { recursive: true });
const json = join(ROOT, 'tmp', 'bench', 'jpeg.json');
writeFileSync(json, JSON.stringify({ machine: { ...machineInfo(), loadavgAfter: loadAfter }, runs: RUNS, results }, null, 2));
console.log(`\n(JSON: ${json})`);
