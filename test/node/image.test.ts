/**
 * The image pipeline (worker/image) against Pillow/torchvision goldens and the
 * hostile-file catalogue. Goldens: tools/reference/preprocess_golden.py.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, DEFAULT_MAX_BYTES, MAX_JPEG_SCANS } from '../../worker/image/decode.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { readImageHeader, scanJpegData } from '../../worker/image/dimensions.ts';
import { ImageError } from '../../worker/image/errors.ts';
import { parseExifOrientation } from '../../worker/image/exif.ts';
import { applyOrientation } from '../../worker/image/orient.ts';
import { centerCropOffset, defaultResampler, normalizeToCHW, preprocess, resizeAndCrop, resizeCropQuantize, resizedSize } from '../../worker/image/preprocess.ts';
import { TS_RESAMPLER } from '../../worker/image/resample.ts';
import { WasmResampler } from '../../worker/image/resample-wasm.ts';
import { inputQuantTable, quantizeHWC, quantizeInputNHWC, quantizeParams } from '../../worker/image/quantize.ts';
import { inputQParams } from '../../tools/convert/quantize.ts';
import { isSupportedFormat, sniffFormat, type ImageFormat } from '../../worker/image/sniff.ts';
import type { DecodedImage, Preprocessing } from '../../worker/image/types.ts';
import { mulberry32 } from '../../tools/lib/rng.ts';
import { meanMaxDiff, readGoldenNpy } from '../helpers/golden.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const read = (rel: string) => new Uint8Array(readFileSync(join(FIX, rel)));
const json = (rel: string) => JSON.parse(readFileSync(join(FIX, rel), 'utf8'));

interface PhotoEntry {
  file: string;
  format: string;
  width: number;
  height: number;
  orientation: string;
  display_width?: number;
  display_height?: number;
}
interface HostileEntry {
  file: string;
  expected_status: number;
  acceptable_status: number[];
  description: string;
}
interface GoldenEntry {
  kind: 'preprocess' | 'decode';
  source: string;
  golden: string;
  dtype: 'uint8_hwc' | 'float32_chw';
  preprocessing?: Preprocessing;
  upright_size?: [number, number];
  pillow_differs?: boolean;
}

const photos: PhotoEntry[] = json('photos/manifest.json');
const hostile: HostileEntry[] = json('hostile/manifest.json');
const golden: { entries: GoldenEntry[] } = json('preprocess-golden/manifest.json');

const IMAGENET: Preprocessing = { input_size: 224, crop_pct: 0.875, interpolation: 'bilinear', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], grayscale: false };

function rgbOf(img: DecodedImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = img.data[i * 4];
    out[i * 3 + 1] = img.data[i * 4 + 1];
    out[i * 3 + 2] = img.data[i * 4 + 2];
  }
  return out;
}

async function expectImageError(p: Promise<unknown>, status: number, code?: string): Promise<ImageError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an ImageError').toBeInstanceOf(ImageError);
  const ie = err as ImageError;
  expect(ie.status, ie.message).toBe(status);
  if (code) expect(ie.code).toBe(code);
  return ie;
}

beforeAll(async () => {
  await initNodeDecoders();
});

// ---------------------------------------------------------------- sniffing and headers

describe('sniff + header dimensions', () => {
  it.each(photos)('photo $file', (p) => {
    const bytes = read(`photos/${p.file}`);
    const fmt = sniffFormat(bytes);
    expect(fmt).toBe(({ JPEG: 'jpeg', PNG: 'png', WEBP: 'webp' } as Record<string, ImageFormat>)[p.format]);
    const h = readImageHeader(bytes, fmt as 'jpeg' | 'png' | 'webp');
    expect([h.width, h.height]).toEqual([p.width, p.height]);
    expect(h.orientation).toBe(p.orientation === 'RightTop' ? 6 : 1);
  });

  // What each hostile file is, from its README: sniffed format and, where there is a sane header, its size.
  const HOSTILE_HEADERS: Record<string, { format: ImageFormat; size?: [number, number] }> = {
    'bad_crc_ihdr.png': { format: 'png' },
    'bomb_png_60000x60000_header.png': { format: 'png', size: [60000, 60000] },
    'corrupt_huffman_table.jpg': { format: 'jpeg', size: [640, 427] },
    'empty.jpg': { format: 'unknown' },
    'huge_exif_64k.jpg': { format: 'jpeg', size: [224, 149] },
    'interlaced_adam7_photo.png': { format: 'png', size: [451, 300] },
    'one_pixel_1x1.jpg': { format: 'jpeg', size: [1, 1] },
    'palette_photo.png': { format: 'png', size: [451, 300] },
    'photo.gif': { format: 'gif' },
    'random_bytes.jpg': { format: 'unknown' },
    'rgb16_photo.png': { format: 'png', size: [451, 300] },
    'text_claims_jpeg.jpg': { format: 'unknown' },
    'truncated_half.jpg': { format: 'jpeg', size: [640, 427] },
    'vector.svg': { format: 'svg' },
    'wide_4000x10.png': { format: 'png', size: [4000, 10] },
    'zero_width.png': { format: 'png' }, // width 0: rejected at the header
  };

  it.each(hostile.filter((h) => existsSync(join(FIX, 'hostile', h.file))))('hostile $file', (h) => {
    const want = HOSTILE_HEADERS[h.file];
    expect(want, `no expectation for ${h.file}`).toBeDefined();
    const bytes = read(`hostile/${h.file}`);
    const fmt = sniffFormat(bytes);
    expect(fmt).toBe(want.format);
    if (!isSupportedFormat(fmt)) return;
    if (want.size) {
      const hd = readImageHeader(bytes, fmt);
      expect([hd.width, hd.height]).toEqual(want.size);
    } else {
      expect(() => readImageHeader(bytes, fmt)).toThrow(ImageError); // bad CRC, zero width: rejected at the header
    }
  });

  it('recognises unsupported formats by magic bytes only', () => {
    const ascii = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
    const cat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));
    const ftyp = (major: string, ...compat: string[]) => {
      const brands = [major, '\0\0\0\0', ...compat].join('');
      const size = 8 + brands.length;
      return cat([0, 0, 0, size], ascii('ftyp' + brands), new Uint8Array(32));
    };
    const cases: Array<[Uint8Array, ImageFormat]> = [
      [ascii('GIF89a\x01\x00\x01\x00'), 'gif'],
      [ascii('GIF87a\x01\x00\x01\x00'), 'gif'],
      [cat(ascii('BM'), new Uint8Array(12), [40, 0, 0, 0], new Uint8Array(40)), 'bmp'],
      [ascii('II*\0\x08\0\0\0'), 'tiff'],
      [ascii('MM\0*\0\0\0\x08'), 'tiff'],
      [ascii('%PDF-1.7\n'), 'pdf'],
      [ftyp('heic', 'mif1', 'heic'), 'heic'],
      [ftyp('mif1', 'mif1', 'avif'), 'avif'],
      [ftyp('avif', 'avif', 'mif1', 'miaf'), 'avif'],
      [ftyp('isom', 'isom', 'mp41'), 'unknown'], // an MP4 is not an image
      [cat([0, 0, 1, 0, 1, 0], new Uint8Array(16)), 'ico'],
      [ascii('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg'],
      [cat([0xef, 0xbb, 0xbf], ascii('\n  <?xml version="1.0"?>\n<!-- drawn by hand -->\n<!DOCTYPE svg>\n<svg>')), 'svg'],
      [ascii('<svgfoo>'), 'unknown'],
      [ascii('<html><svg></svg></html>'), 'unknown'],
      [ascii('RIFF\x04\0\0\0WAVE'), 'unknown'],
      [new Uint8Array([0xff, 0xd8]), 'unknown'], // too short to be a JPEG
      [new Uint8Array(0), 'unknown'],
    ];
    for (const [bytes, want] of cases) expect(sniffFormat(bytes), new TextDecoder().decode(bytes.subarray(0, 24))).toBe(want);
  });

  it('reads WebP VP8 / VP8L / VP8X headers and EXIF orientation', () => {
    const plush = read('photos/plush_gophers_lossless_600x400.webp');
    expect(readImageHeader(plush, 'webp')).toMatchObject({ width: 600, height: 400, webp: { kind: 'VP8L' } });
    const lossy = read('preprocess-golden/synthetic/orient6_lossy.webp');
    expect(readImageHeader(lossy, 'webp')).toMatchObject({ width: 60, height: 44, orientation: 6, webp: { kind: 'VP8X' } });
    expect(readImageHeader(read('preprocess-golden/synthetic/orient6.png'), 'png').orientation).toBe(6);
  });

  it('rejects malformed JPEG headers with 400 and never loops', () => {
    const r = mulberry32(7);
    const soi = [0xff, 0xd8, 0xff];
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(r() * 64);
      const body = new Uint8Array([...soi, ...Array.from({ length: n }, () => (r() < 0.3 ? 0xff : Math.floor(r() * 256)))]);
      try {
        readImageHeader(body, 'jpeg');
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        expect((e as ImageError).status).toBe(400);
      }
    }
    // Segment lengths that point past the end, and a frame header that is cut short.
    expect(() => readImageHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0, 0]), 'jpeg')).toThrow(/truncated/);
    expect(() => readImageHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 8, 0, 1]), 'jpeg')).toThrow(/truncated/);
  });

  it('finds the EOI through progressive scans and counts them', () => {
    const prog = read('photos/video001_410_progressive_150x103.jpg');
    const h = readImageHeader(prog, 'jpeg');
    const s = scanJpegData(prog, h.jpeg!.sosOffset);
    expect(s.hasEoi).toBe(true);
    expect(s.scans).toBeGreaterThan(3);
    expect(s.scans).toBeLessThan(MAX_JPEG_SCANS);
    expect(scanJpegData(prog.subarray(0, prog.length - 2), h.jpeg!.sosOffset).hasEoi).toBe(false);
  });

  it('parses EXIF orientation defensively (64 KiB blocks, both byte orders, garbage)', () => {
    const tiff = (le: boolean, entries: Array<[number, number, number, number]>) => {
      const b = new Uint8Array(8 + 2 + entries.length * 12 + 4);
      const dv = new DataView(b.buffer);
      b.set(le ? [0x49, 0x49, 0x2a, 0] : [0x4d, 0x4d, 0, 0x2a]);
      dv.setUint32(4, 8, le);
      dv.setUint16(8, entries.length, le);
      entries.forEach(([tag, type, count, value], i) => {
        const e = 10 + i * 12;
        dv.setUint16(e, tag, le);
        dv.setUint16(e + 2, type, le);
        dv.setUint32(e + 4, count, le);
        if (type === 3) dv.setUint16(e + 8, value, le);
        else dv.setUint32(e + 8, value, le);
      });
      return b;
    };
    expect(parseExifOrientation(tiff(true, [[0x0112, 3, 1, 6]]))).toBe(6);
    expect(
      parseExifOrientation(
        tiff(false, [
          [0x0100, 4, 1, 640],
          [0x0112, 3, 1, 8],
        ]),
      ),
    ).toBe(8);
    expect(parseExifOrientation(tiff(false, [[0x0112, 4, 1, 3]]))).toBe(3);
    expect(parseExifOrientation(tiff(true, [[0x0112, 3, 1, 9]]))).toBe(1);
    expect(parseExifOrientation(tiff(true, [[0x0112, 3, 2, 6]]))).toBe(1);
    expect(parseExifOrientation(new Uint8Array([...'Exif\0\0'].map((c) => c.charCodeAt(0)).concat([...tiff(true, [[0x0112, 3, 1, 5]])])))).toBe(5);
    const huge = tiff(true, [[0x0112, 3, 1, 6]]);
    new DataView(huge.buffer).setUint16(8, 0xffff, true); // claims 65535 entries, has 1
    expect(parseExifOrientation(huge)).toBe(6);
    const r = mulberry32(11);
    for (let i = 0; i < 500; i++) {
      const g = tiff(r() < 0.5, [[0x0112, 3, 1, 6]]);
      for (let k = 0; k < 4; k++) g[Math.floor(r() * g.length)] = Math.floor(r() * 256);
      const o = parseExifOrientation(g);
      expect(o >= 1 && o <= 8).toBe(true);
    }
    // The hostile 64 KiB EXIF (orientation 1) is read without trouble.
    expect(readImageHeader(read('hostile/huge_exif_64k.jpg'), 'jpeg').orientation).toBe(1);
  });
});

// ---------------------------------------------------------------- Pillow / torchvision parity

/** An ImageNet-like input quantization for `p` (the converter's), as params and as the JS table. */
const quantOf = (p: Preprocessing) => inputQParams(p);
const quantParams = (p: Preprocessing) => quantizeParams(p.mean, p.std, quantOf(p).scale, quantOf(p).zero_point);
const quantTable = (p: Preprocessing) => inputQuantTable(p.mean, p.std, quantOf(p).scale, quantOf(p).zero_point);
const firstDiff = (a: Int8Array, b: Int8Array) => (a.length !== b.length ? -2 : a.findIndex((v, i) => v !== b[i]));

describe('decode + preprocess vs Pillow/torchvision goldens', () => {
  // Every path, CMYK/YCCK JPEGs included (libjpeg-turbo + Pillow's cmyk2rgb), is bit-identical
  // to Pillow at full size. The goldens are full-size decodes, so no DCT scaling here (no
  // resizeShortSide) and a budget the 15.9 Mpx progressive photo fits in; the scaled path is
  // checked against its own goldens in decode-budget.test.ts.
  const FULL_SIZE = { maxDecodeBytes: 256 * 1024 * 1024 };
  const maeSeen: Array<[string, number]> = [];

  it('preprocessing runs on the wasm resampler (SIMD128 build) once initNodeDecoders() has run', () => {
    const r = defaultResampler();
    expect(r).toBeInstanceOf(WasmResampler);
    expect((r as WasmResampler).variant).toBe('simd128');
  });

  it.each(golden.entries)('$golden', async (e) => {
    const img = await decodeImage(read(e.source), FULL_SIZE);
    const g = readGoldenNpy(read(`preprocess-golden/${e.golden}`));
    let d: { mae: number; max: number };
    if (e.kind === 'decode') {
      const up = applyOrientation(img);
      expect([up.width, up.height, 3]).toEqual([g.shape[1], g.shape[0], g.shape[2]]);
      d = meanMaxDiff(rgbOf(up), g.data);
    } else if (e.dtype === 'uint8_hwc') {
      const p = e.preprocessing!;
      const ours = resizeAndCrop(img, p);
      expect(g.shape).toEqual([p.input_size, p.input_size, 3]);
      d = meanMaxDiff(ours, g.data);
      // The TypeScript port (the wasm kernels' reference and fallback) gives the same bytes.
      expect(meanMaxDiff(resizeAndCrop(img, p, TS_RESAMPLER), ours).max, 'resample.ts vs wasm').toBe(0);
      // The float tensor must be exactly ToTensor+Normalize of those bytes (checked against torchvision below).
      const t = preprocess(img, p);
      expect(t.length).toBe(3 * p.input_size * p.input_size);
      // The engine's input, quantized in the resampler's module, is Pillow's pixels through the JS table.
      expect(firstDiff(resizeCropQuantize(img, p, quantParams(p)), quantizeHWC(g.data as Uint8Array, quantTable(p))), 'int8 input vs Pillow pixels quantized').toBe(-1);
    } else {
      const p = e.preprocessing!;
      const t = preprocess(img, p);
      const f = meanMaxDiff(t, g.data);
      expect(f.max, 'float32 tensor vs torchvision').toBeLessThanOrEqual(1e-6);
      expect(firstDiff(resizeCropQuantize(img, p, quantParams(p)), quantizeHWC(resizeAndCrop(img, p), quantTable(p))), 'int8 input vs the JS path').toBe(-1);
      // Report on the 0..255 scale like the others: undo Normalize.
      const un = (x: Float32Array | Uint8Array) =>
        Float64Array.from(x, (v, i) => (v * p.std[Math.floor(i / (p.input_size * p.input_size))] + p.mean[Math.floor(i / (p.input_size * p.input_size))]) * 255);
      d = meanMaxDiff(un(t), un(g.data));
    }
    maeSeen.push([e.golden, d.mae]);
    // (gray16.png's golden encodes our documented choice, not Pillow's; it is exact like the rest.)
    expect(d.mae, `MAE in 8-bit units (1.0 = 1/255)`).toBeLessThanOrEqual(1.0);
    expect(d.max, 'bit-exact with Pillow').toBeLessThanOrEqual(e.dtype === 'float32_chw' ? 1e-3 : 0);
  });

  it('16-bit grayscale PNG keeps the high byte (documented divergence from Pillow)', async () => {
    const img = await decodeImage(read('preprocess-golden/synthetic/gray16.png'));
    const g = readGoldenNpy(read('preprocess-golden/synthetic/gray16.png.rgb.u8.npy'));
    expect(meanMaxDiff(rgbOf(img), g.data).max).toBe(0);
  });

  // A report, not a test: each golden's test above holds its own bound (a summary `it` passed with
  // worst = 0 when run alone, having seen nothing).
  afterAll(() => {
    if (!maeSeen.length) return;
    const worst = maeSeen.reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`[image] ${maeSeen.length} golden comparisons; max MAE ${(worst[1] / 255).toExponential(3)} on the 0..1 scale (${worst[1].toFixed(4)}/255) — ${worst[0]}`);
  });
});

describe('EXIF orientation', () => {
  it('orientation-6 photo comes out upright 512x600, same pixels as the upright original', async () => {
    const img = await decodeImage(read('photos/grace_hopper_exif_orient6_600x512.jpg'));
    expect([img.width, img.height, img.orientation]).toEqual([600, 512, 6]);
    const up = applyOrientation(img);
    expect([up.width, up.height, up.orientation]).toEqual([512, 600, 1]);
    // preprocess reads through the orientation without copying: same tensor as on the upright copy.
    expect(meanMaxDiff(preprocess(img, IMAGENET), preprocess(up, IMAGENET)).max).toBe(0);
    // And it is the same photo as grace_hopper_512x600.jpg (re-encoded at q90, so only close).
    const ref = await decodeImage(read('photos/grace_hopper_512x600.jpg'));
    expect(meanMaxDiff(rgbOf(up), rgbOf(ref)).mae).toBeLessThan(4);
  });
});

// ---------------------------------------------------------------- hostile files

describe('hostile files get the status their README gives', () => {
  it.each(hostile.filter((h) => existsSync(join(FIX, 'hostile', h.file))))('$file -> $expected_status', async (h) => {
    const bytes = read(`hostile/${h.file}`);
    const t0 = performance.now();
    if (h.expected_status === 200) {
      const img = await decodeImage(bytes);
      const t = preprocess(img, IMAGENET);
      expect(t.length).toBe(3 * 224 * 224);
      expect(t.every(Number.isFinite)).toBe(true);
    } else {
      const err = await expectImageError(decodeImage(bytes), h.expected_status);
      if (err.status === 415) expect(err.message).toMatch(/JPEG, PNG, WebP/);
    }
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('empty body is 400 empty_body', async () => {
    await expectImageError(decodeImage(new Uint8Array(0)), 400, 'empty_body');
  });

  it('over-limit body (stands in for large_12mb_5312x2988.jpg) is 413', async () => {
    const head = read('photos/china_palace_640x427.jpg');
    const body = new Uint8Array(12_485_749); // the size of the 12 MB hostile file
    body.set(head);
    const err = await expectImageError(decodeImage(body), 413, 'image_too_large');
    expect(err.message).toMatch(/limit/);
    expect(body.length).toBeGreaterThan(DEFAULT_MAX_BYTES);
  });

  it('60000x60000 PNG bomb is refused from its header: fast, no allocation', async () => {
    const bomb = read('hostile/bomb_png_60000x60000_header.png');
    global.gc?.();
    const before = process.memoryUsage();
    for (let i = 0; i < 100; i++) await expectImageError(decodeImage(bomb), 413, 'image_too_large');
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 << 20);
    expect(after.rss - before.rss).toBeLessThan(64 << 20); // decoding would need 14.4 GB
  });

  it('JPEG and WebP headers over the pixel limit are 413 too; a custom limit applies', async () => {
    // SOF0 claiming 65535x65535 (4.3 Gpx); the rest of the file is irrelevant.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xff, 0xff, 0xff, 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0xff, 0xd9]);
    await expectImageError(decodeImage(jpeg), 413);
    // VP8X canvas 16384x16384.
    const webp = new Uint8Array(30);
    webp.set(
      [...'RIFF'].map((c) => c.charCodeAt(0)),
      0,
    );
    new DataView(webp.buffer).setUint32(4, 22, true);
    webp.set(
      [...'WEBPVP8X'].map((c) => c.charCodeAt(0)),
      8,
    );
    new DataView(webp.buffer).setUint32(16, 10, true);
    webp.set([0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00], 24);
    await expectImageError(decodeImage(webp), 413);
    // A normal photo against a tiny limit.
    await expectImageError(decodeImage(read('photos/china_palace_640x427.jpg'), { maxPixels: 100_000 }), 413);
  });

  it('a decoder failure does not poison later decodes', async () => {
    const good = read('photos/video001_410_progressive_150x103.jpg');
    const ref = rgbOf(await decodeImage(good));
    for (let i = 0; i < 20; i++) {
      await expectImageError(decodeImage(read('hostile/corrupt_huffman_table.jpg')), 400);
      await expectImageError(decodeImage(read('hostile/bad_crc_ihdr.png')), 400);
    }
    expect(meanMaxDiff(rgbOf(await decodeImage(good)), ref).max).toBe(0);
  });
});

// ---------------------------------------------------------------- fuzz

describe('fuzz: mutated JPEG/PNG/WebP either decode or throw ImageError', () => {
  const bases = [
    'photos/video001_410_progressive_150x103.jpg',
    'photos/grace_hopper_exif_orient6_600x512.jpg',
    'photos/video001_cmyk_150x103.jpg',
    'preprocess-golden/synthetic/orient6.png',
    'preprocess-golden/synthetic/palette_trns.png',
    'preprocess-golden/synthetic/orient6_lossy.webp',
    'photos/plush_gophers_lossless_600x400.webp',
  ];

  function mutate(src: Uint8Array, r: () => number): Uint8Array {
    const b = src.slice();
    const at = () => Math.floor(r() * b.length);
    // Bias towards the header, where parsers branch the most.
    const headerAt = () => Math.floor(r() * Math.min(b.length, 600));
    switch (Math.floor(r() * 6)) {
      case 0: // flip a few bytes anywhere
        for (let k = 1 + Math.floor(r() * 8); k > 0; k--) b[at()] ^= 1 << Math.floor(r() * 8);
        return b;
      case 1: // overwrite header bytes
        for (let k = 1 + Math.floor(r() * 4); k > 0; k--) b[headerAt()] = Math.floor(r() * 256);
        return b;
      case 2: // truncate
        return b.subarray(0, Math.max(1, at()));
      case 3: {
        // random block
        const p = at();
        for (let i = p; i < Math.min(b.length, p + 1 + Math.floor(r() * 256)); i++) b[i] = Math.floor(r() * 256);
        return b;
      }
      case 4: {
        // splice: insert a copy of another range
        const p = at(),
          q = at();
        const piece = b.subarray(q, q + Math.floor(r() * 512));
        const out = new Uint8Array(b.length + piece.length);
        out.set(b.subarray(0, p));
        out.set(piece, p);
        out.set(b.subarray(p), p + piece.length);
        return out;
      }
      default: // 0xFF storms: marker confusion for JPEG
        for (let k = 1 + Math.floor(r() * 16); k > 0; k--) b[at()] = 0xff;
        return b;
    }
  }

  it('200 mutations', async () => {
    const r = mulberry32(20240607);
    const tally = { decoded: 0, rejected: {} as Record<number, number> };
    for (let i = 0; i < 200; i++) {
      const base = bases[i % bases.length];
      const bytes = mutate(read(base), r);
      const t0 = performance.now();
      try {
        const img = await decodeImage(bytes);
        expect(img.data.length).toBe(img.width * img.height * 4);
        preprocess(img, { ...IMAGENET, input_size: 32 });
        tally.decoded++;
      } catch (e) {
        if (!(e instanceof ImageError)) throw new Error(`mutation ${i} of ${base} threw a non-ImageError: ${String(e)}`, { cause: e });
        expect([400, 413, 415]).toContain(e.status);
        tally.rejected[e.status] = (tally.rejected[e.status] ?? 0) + 1;
      }
      expect(performance.now() - t0, `mutation ${i} of ${base} took too long`).toBeLessThan(5000);
    }
    console.log(`[image] fuzz: ${tally.decoded} decoded, rejected by status ${JSON.stringify(tally.rejected)}`);
  });
});

// ---------------------------------------------------------------- geometry and quantisation

describe('torchvision geometry', () => {
  it('Resize size and CenterCrop offsets follow torchvision 0.14 (incl. Python banker rounding)', () => {
    expect(resizedSize(640, 427, 256)).toEqual([383, 256]);
    expect(resizedSize(427, 640, 256)).toEqual([256, 383]);
    expect(resizedSize(5312, 2988, 256)).toEqual([455, 256]);
    expect(resizedSize(4000, 10, 256)).toEqual([102400, 256]);
    expect(resizedSize(512, 512, 256)).toEqual([256, 256]);
    expect(centerCropOffset(455, 224)).toBe(116); // round(115.5) = 116 (even)
    expect(centerCropOffset(257, 224)).toBe(16); // round(16.5) = 16 (even)
    expect(centerCropOffset(259, 224)).toBe(18); // round(17.5) = 18
    expect(centerCropOffset(200, 224)).toBe(-12); // padded
    expect(centerCropOffset(201, 224)).toBe(-11);
  });

  it('crop larger than the resized image pads with zeros (crop_pct > 1)', async () => {
    const img = await decodeImage(read('photos/video005_gray_150x103.jpg'));
    const p: Preprocessing = { ...IMAGENET, input_size: 64, crop_pct: 1.25 }; // resize to 51, crop 64
    const hwc = resizeAndCrop(img, p);
    const [w, h] = resizedSize(150, 103, 51);
    const left = centerCropOffset(w, 64),
      top = centerCropOffset(h, 64);
    expect(top).toBeLessThan(0);
    for (let y = 0; y < 64; y++) {
      const inside = y + top >= 0 && y + top < h;
      if (!inside) for (let x = 0; x < 64 * 3; x++) expect(hwc[y * 64 * 3 + x]).toBe(0);
    }
    expect(left).toBeGreaterThan(0);
  });

  it('normalizeToCHW is float32 ToTensor + Normalize', () => {
    const hwc = new Uint8Array([0, 128, 255, 10, 20, 30]);
    const t = normalizeToCHW(hwc, 1, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]).slice(0, 3);
    const f = Math.fround;
    expect(Array.from(t)).toEqual([0, 128, 255].map((v) => f(f(f(v / 255) - f(0.5)) / f(0.25))));
  });
});

describe('quantizeInputNHWC', () => {
  it('rounds half to even, adds the zero point, clamps, and lays out NHWC', () => {
    const S = 2;
    const chw = new Float32Array([
      0.5,
      1.5,
      2.5,
      -0.5, // R plane
      -2.5,
      300,
      -300,
      0.49, // G
      3.5,
      -3.5,
      0,
      1.51, // B
    ]);
    const q = quantizeInputNHWC(chw, S, 1, 0);
    expect(Array.from(q)).toEqual([0, -2, 4, 2, 127, -4, 2, -128, 0, 0, 0, 2]);
    expect(Array.from(quantizeInputNHWC(new Float32Array(12).fill(0.1), S, 0.1, -5))).toEqual(new Array(12).fill(-4));
    expect(() => quantizeInputNHWC(new Float32Array(11), S, 1, 0)).toThrow(RangeError);
  });
});
