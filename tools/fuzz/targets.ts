/**
 * What the fuzzer feeds, and what each input may do. Each target runs the code the Worker (or the
 * CLI's converter) runs on untrusted bytes, and knows its documented failures; any other
 * exception is a finding.
 *
 *  - image: bytes → imageToInput (sniff → header → decode → resize + crop with the wasm decoders
 *    and resampler, exactly as request/run.ts runImage calls it, under the Worker's default
 *    limits) for the bundled models' preprocessing.
 *    Documented: ImageError 400 / 413 / 415.
 *  - model: a .gnv2 file → readModelFile → Int8Engine.create → one inference. The digest is
 *    recomputed after mutating, so the header and tensor checks are what gets fuzzed.
 *    Documented: ModelFormatError, ArchitectureError, EngineError.
 *  - checkpoint: a torch.save zip or safetensors file → readCheckpoint → inferLayout (the
 *    converter's input: GhostNet V1/V2/V3 layout, width and classes from the keys and shapes). Entry CRCs are recomputed, so the unpickler gets fuzzed.
 *    Documented: CheckpointError (except its catch-all "cannot read checkpoint (…)", which wraps
 *    an unexpected exception), ArchitectureError.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCheckpoint, CheckpointError } from '../convert/checkpoint/index.ts';
import { createEngine } from '../engine-node.ts';
import { initNodeDecoders } from '../../worker/image/decoders-node.ts';
import { ImageError } from '../../worker/image/errors.ts';
import { imageToInput } from '../../worker/image/input.ts';
import { ArchitectureError } from '../../worker/model/architecture.ts';
import { inferLayout } from '../convert/layout.ts';
import { EngineError } from '../../worker/model/engine.ts';
import { ModelFormatError, readModelFile, type Preprocessing } from '../../worker/model/format.ts';
import { DEFAULT_LIMITS } from '../../worker/middleware/limits.ts';
import { inputLimits } from '../../worker/request/run.ts';
import { fixPngCrcs, fixRiffSize, fixTrailingSha256, fixZipCrcs, int, mutateBytes, mutateJpegSegments, mutateJson, pick, zipStoredEntries, type Rand } from './mutate.ts';

const root = resolve(import.meta.dirname, '../..');

/** An input broke an invariant: a failure that is not a documented one. */
export class Finding extends Error {}

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzTarget {
  name: 'image' | 'model' | 'checkpoint';
  seeds: Seed[];
  mutate(seed: Seed, r: Rand): Uint8Array;
  /** Runs one input: resolves with what happened ("decoded", "400 invalid_image", …); Finding for anything undocumented. */
  run(bytes: Uint8Array, caseIndex: number): Promise<string>;
  /** A case over this is a finding (a hang, or close to one). */
  timeBoundMs: number;
  /** Peak RSS over the case's starting RSS beyond this is a finding (an unbounded allocation). */
  allocBoundMiB: number;
}

const files = (dir: string, re: RegExp) =>
  readdirSync(join(root, dir))
    .filter((f) => re.test(f))
    .sort()
    .map((f) => ({ name: `${dir}/${f}`, bytes: new Uint8Array(readFileSync(join(root, dir, f))) }));

function undocumented(e: unknown): Finding {
  return new Finding(`${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ''}`);
}

// ------------------------------------------------------------------ image

async function imageTarget(): Promise<FuzzTarget> {
  await initNodeDecoders();
  const seeds = [
    ...files('test/fixtures/photos', /\.(jpe?g|png|webp)$/i).filter((s) => s.bytes.length < 600_000),
    ...files('test/fixtures/preprocess-golden/synthetic', /\.(jpe?g|png|webp)$/i),
    // every PNG colour type, bit depth and interlacing; WebP lossy/lossless with alpha (the decoders' format fixtures)
    ...files('test/fixtures/png', /\.png$/i),
    ...files('test/fixtures/webp', /\.webp$/i),
  ];
  // The preprocessing of every bundled model (the 224 default and the 64 px smoke-test model).
  const models = ['models/fashion-mnist/ghostnetv2_fmnist.int8.gnv2', 'test/fixtures/models/tiny_w015_c10_s64.int8.gnv2'];
  const preprocessing: Preprocessing[] = await Promise.all(models.map(async (m) => (await readModelFile(new Uint8Array(readFileSync(join(root, m))))).header.preprocessing));
  return {
    name: 'image',
    seeds,
    mutate(seed, r) {
      const jpeg = /\.jpe?g$/i.test(seed.name),
        png = /\.png$/i.test(seed.name),
        webp = /\.webp$/i.test(seed.name);
      let b = jpeg && r() < 0.3 ? mutateJpegSegments(seed.bytes, r) : mutateBytes(seed.bytes, r);
      if (r() < 0.5) b = mutateBytes(b, r); // sometimes two edits
      if (png && r() < 0.6) b = fixPngCrcs(b.slice());
      if (webp && r() < 0.6) b = fixRiffSize(b.slice());
      return b;
    },
    async run(bytes, i) {
      const p = preprocessing[i % preprocessing.length];
      try {
        const px = (await imageToInput(bytes, p, inputLimits(DEFAULT_LIMITS))).pixels;
        if (px.length !== p.input_size * p.input_size * 3) throw new Finding(`decoded to ${px.length} bytes, expected ${p.input_size}²×3`);
        return 'decoded';
      } catch (e) {
        if (e instanceof Finding) throw e;
        if (e instanceof ImageError && [400, 413, 415].includes(e.status)) return `${e.status} ${e.code}`;
        throw undocumented(e);
      }
    },
    timeBoundMs: 3000,
    allocBoundMiB: 192,
  };
}

// ------------------------------------------------------------------ model file

const PREFIX = 16;

/** The model file rebuilt around a new header JSON: prefix, header, space padding to 16, the old data section, digest. */
function withHeader(file: Uint8Array, header: Uint8Array): Uint8Array {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const oldLen = v.getUint32(12, true);
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const data = file.subarray(align(PREFIX + oldLen), file.length - 32);
  const start = align(PREFIX + header.length);
  const out = new Uint8Array(start + data.length + 32);
  out.set(file.subarray(0, PREFIX));
  new DataView(out.buffer).setUint32(12, header.length, true);
  out.set(header, PREFIX);
  out.fill(0x20, PREFIX + header.length, start);
  out.set(data, start);
  return fixTrailingSha256(out);
}

function modelTarget(): FuzzTarget {
  const seeds = [{ name: 'test/fixtures/models/tiny_w015_c10_s64.int8.gnv2', bytes: new Uint8Array(readFileSync(join(root, 'test/fixtures/models/tiny_w015_c10_s64.int8.gnv2'))) }];
  return {
    name: 'model',
    seeds,
    mutate(seed, r) {
      const b = seed.bytes;
      const len = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
      const json = new TextDecoder().decode(b.subarray(PREFIX, PREFIX + len));
      switch (int(r, 4)) {
        case 0: // a structured edit of the header (shapes, offsets, scales, labels, …)
          return withHeader(b, new TextEncoder().encode(JSON.stringify(mutateJson(JSON.parse(json), r))));
        case 1: {
          // a textual edit of the header: a number's digits, a bracket, a quote
          const text = json.split('');
          for (let k = 1 + int(r, 3); k > 0; k--) text[int(r, text.length)] = pick(r, ['0', '9', '-', '.', 'e', '"', '[', ']', '{', ',', ' ', '1']);
          return withHeader(b, new TextEncoder().encode(text.join('')));
        }
        case 2: {
          // tensor data (weights, scales, biases)
          const out = b.slice();
          const start = Math.ceil((PREFIX + len) / 16) * 16;
          for (let k = 1 + int(r, 32); k > 0; k--) out[start + int(r, out.length - 32 - start)] = int(r, 256);
          return fixTrailingSha256(out);
        }
        default: // bytes anywhere, digest fixed or not
          return r() < 0.8 ? fixTrailingSha256(mutateBytes(b, r, PREFIX + len)) : mutateBytes(b, r, PREFIX + len);
      }
    },
    async run(bytes) {
      try {
        const file = await readModelFile(bytes);
        const engine = await createEngine(file, 'simd128');
        const s = file.header.preprocessing.input_size;
        const out = engine.run(new Float32Array(3 * s * s));
        if (!out.logits.every(Number.isFinite)) throw new Finding('non-finite logits');
        return 'loaded and ran';
      } catch (e) {
        if (e instanceof Finding) throw e;
        if (e instanceof ModelFormatError || e instanceof ArchitectureError || e instanceof EngineError) return e.constructor.name;
        throw undocumented(e);
      }
    },
    timeBoundMs: 5000,
    allocBoundMiB: 256,
  };
}

// ------------------------------------------------------------------ checkpoint

function checkpointTarget(): FuzzTarget {
  const seeds = [...files('test/fixtures/checkpoint', /\.(pth|safetensors)$/), ...files('test/fixtures/golden', /^tiny_w015_c10_s64(_module\.pth\.tar|\.safetensors)$/)];
  return {
    name: 'checkpoint',
    seeds,
    mutate(seed, r) {
      const entries = zipStoredEntries(seed.bytes);
      if (entries.length && r() < 0.7) {
        // Inside an entry (data.pkl most of the time: the unpickler), then fix the CRCs.
        const pkl = entries.find((e) => e.name.endsWith('data.pkl'));
        const e = pkl && r() < 0.7 ? pkl : pick(r, entries);
        const out = seed.bytes.slice();
        const inner = mutateBytes(out.subarray(e.start, e.end), r, 256);
        out.set(inner.subarray(0, e.end - e.start), e.start); // same length: the zip layout stays valid
        return fixZipCrcs(out);
      }
      return mutateBytes(seed.bytes, r, 512);
    },
    async run(bytes) {
      try {
        const dict = readCheckpoint(bytes);
        inferLayout(new Map([...dict].map(([k, t]) => [k, t.shape])));
        return 'read';
      } catch (e) {
        if (e instanceof CheckpointError && !/(^|: )cannot read checkpoint \(/.test(e.message)) return 'CheckpointError';
        if (e instanceof ArchitectureError) return 'ArchitectureError';
        throw undocumented(e);
      }
    },
    timeBoundMs: 3000,
    allocBoundMiB: 256,
  };
}

export async function loadTarget(name: string): Promise<FuzzTarget> {
  if (name === 'image') return imageTarget();
  if (name === 'model') return modelTarget();
  if (name === 'checkpoint') return checkpointTarget();
  throw new Error(`unknown fuzz target ${name} (image, model, checkpoint)`);
}
