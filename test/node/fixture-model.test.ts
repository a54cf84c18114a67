import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../worker/model/format.ts';
import { loadCheckpoint, writeInt8Model } from '../../tools/convert/convert.ts';
import { packInt8Model } from '../../tools/convert/pack.ts';
import { Feature } from '../../tools/convert/float-forward.ts';
import { loadNpy } from '../helpers/npy.ts';
import { imageFileInput, listImages } from '../../tools/io/images.ts';
import { inputToCHW } from '../../worker/image/input.ts';
import { IMAGENET_PREPROCESSING } from '../../tools/convert/convert.ts';

const fixture = (f: string) => new URL(`../fixtures/${f}`, import.meta.url);

/** The committed int8 models (test/fixtures/models/README.md) and the checkpoints they were converted from. */
const MODELS = [
  { model: 'tiny_w015_c10_s64.int8.gnv2', checkpoint: 'golden/tiny_w015_c10_s64_thop.pth.tar', name: 'tiny-synthetic', calib: 'golden' },
  { model: 'v1_w010_c10_s64.int8.gnv2', checkpoint: 'family/v1_w010_c10_s64.pth.tar', name: 'tiny-v1', calib: 'photos' },
  { model: 'v3_w010_c10_s64.int8.gnv2', checkpoint: 'family/v3_w010_c10_s64_timm.safetensors', name: 'tiny-v3', calib: 'photos' },
] as const;

/** The calibration set each was converted with: the 4 golden synthetic inputs, or the 17 photos (convert --calib <folder>). */
async function calibration(kind: 'golden' | 'photos'): Promise<Feature[]> {
  if (kind === 'photos') {
    const p = { ...IMAGENET_PREPROCESSING, input_size: 64 };
    // as `convert --calib test/fixtures/photos` reads them: imageToInput, the Worker's own path
    const out: Feature[] = [];
    for (const f of listImages(fixture('photos').pathname)) out.push(new Feature(3, 64, 64, inputToCHW(await imageFileInput(new Uint8Array(readFileSync(f)), p), p)));
    return out;
  }
  const x = loadNpy(fixture('golden/inputs_s64.npy'));
  const per = 3 * 64 * 64;
  return Array.from({ length: 4 }, (_, i) => new Feature(3, 64, 64, x.data.slice(i * per, (i + 1) * per)));
}

describe('committed int8 fixture models', () => {
  for (const m of MODELS) {
    it(`${m.model} equals a fresh conversion of ${m.checkpoint} (tensors and activation ranges)`, async () => {
      const fixtureModel = await readModelFile(new Uint8Array(readFileSync(fixture(`models/${m.model}`))));
      const file = m.checkpoint.split('/')[1];
      const ck = await loadCheckpoint(new Uint8Array(readFileSync(fixture(m.checkpoint))), file);
      const calib = await calibration(m.calib);
      let bytes = await writeInt8Model(ck, { name: m.name, sourceName: file, preprocessing: { input_size: 64 } }, { calibration: calib });
      // Packed as the fixture was (format 2, --pack), or plain (format 1 files have no packing).
      const packing = fixtureModel.header.packing;
      if (packing) bytes = await packInt8Model(bytes, [...packing.builds, ...(packing.plain ? (['plain'] as const) : [])]);
      const fresh = await readModelFile(bytes);
      expect(fixtureModel.header.packing).toEqual(fresh.header.packing);
      expect(fixtureModel.header.architecture).toEqual(fresh.header.architecture);
      expect(fixtureModel.header.quantization).toEqual(fresh.header.quantization);
      expect(fixtureModel.header.tensors.map((t) => t.name)).toEqual(fresh.header.tensors.map((t) => t.name));
      for (const t of fresh.header.tensors) expect(Array.from(fixtureModel.tensor(t.name)), t.name).toEqual(Array.from(fresh.tensor(t.name)));
    });
  }
});
