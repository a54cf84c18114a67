import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../worker/model/format.ts';
import { loadCheckpoint, writeInt8Model } from '../../tools/convert/convert.ts';
import { Feature } from '../../tools/convert/float-forward.ts';
import { loadNpy } from '../helpers/npy.ts';

describe('committed int8 fixture model', () => {
  it('equals a fresh conversion of its golden checkpoint (tensors and activation ranges)', async () => {
    const fixture = await readModelFile(new Uint8Array(readFileSync(new URL('../fixtures/models/tiny_w015_c10_s64.int8.gnv2', import.meta.url))));
    const file = 'tiny_w015_c10_s64_thop.pth.tar';
    const ck = await loadCheckpoint(new Uint8Array(readFileSync(new URL(`../fixtures/golden/${file}`, import.meta.url))), file);
    const x = loadNpy(new URL('../fixtures/golden/inputs_s64.npy', import.meta.url));
    const per = 3 * 64 * 64;
    const calib = Array.from({ length: 4 }, (_, i) => new Feature(3, 64, 64, x.data.slice(i * per, (i + 1) * per)));
    const fresh = await readModelFile(await writeInt8Model(ck, { name: 'tiny-synthetic', sourceName: file, preprocessing: { input_size: 64 } }, { calibration: calib }));
    expect(fixture.header.quantization).toEqual(fresh.header.quantization);
    expect(fixture.header.tensors.map((t) => t.name)).toEqual(fresh.header.tensors.map((t) => t.name));
    for (const t of fresh.header.tensors) expect(Array.from(fixture.tensor(t.name)), t.name).toEqual(Array.from(fresh.tensor(t.name)));
  });
});
