import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, ModelFormatError, parseModelFile, readModelFile, writeModelFile, type ModelHeader } from '../../worker/model/format.ts';

const header: Omit<ModelHeader, 'tensors'> = {
  name: 'test',
  architecture: { family: 'ghostnetv2', width: 1, num_classes: 2, feature_dim: 1280 },
  labels: ['a', 'b'],
  preprocessing: { input_size: 64, crop_pct: 1, interpolation: 'bilinear', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], grayscale: true },
  precision: 'float32',
  quantization: null,
  provenance: { source: 'x', source_sha256: '00', converter: 't', created: '2026-01-01' },
};

async function sample(): Promise<Uint8Array> {
  return writeModelFile(header, [
    { name: 'a', dtype: 'float32', shape: [3], data: new Float32Array([1.5, -2, 3.25]) },
    { name: 'b', dtype: 'int8', shape: [5], data: new Int8Array([-128, -1, 0, 1, 127]) },
    { name: 'c', dtype: 'int32', shape: [1, 2], data: new Int32Array([-2147483648, 2147483647]) },
  ]);
}

describe('model file format', () => {
  it('round-trips header and tensors, 16-byte aligned', async () => {
    const bytes = await sample();
    const m = await readModelFile(bytes);
    expect(m.header.labels).toEqual(['a', 'b']);
    expect(Array.from(m.tensor('a'))).toEqual([1.5, -2, 3.25]);
    expect(Array.from(m.tensor('b'))).toEqual([-128, -1, 0, 1, 127]);
    expect(Array.from(m.tensor('c'))).toEqual([-2147483648, 2147483647]);
    for (const t of m.header.tensors) expect(t.offset % 16).toBe(0);
    const dataStart = Math.ceil((16 + new DataView(bytes.buffer).getUint32(12, true)) / 16) * 16;
    expect(dataStart % 16).toBe(0);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(() => m.tensor('nope')).toThrow(ModelFormatError);
  });

  it('reads from an unaligned view of a larger buffer', async () => {
    const bytes = await sample();
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const m = await readModelFile(big.subarray(3));
    expect(Array.from(m.tensor('a'))).toEqual([1.5, -2, 3.25]);
  });

  it('reads a Node Buffer (whose slice() shares memory) as it reads a Uint8Array', async () => {
    const m = await readModelFile(Buffer.from(await sample()));
    expect(Array.from(m.tensor('a'))).toEqual([1.5, -2, 3.25]);
    expect(Array.from(m.tensor('c'))).toEqual([-2147483648, 2147483647]);
  });

  it('refuses every truncation with a clear error', async () => {
    const bytes = await sample();
    for (const n of [0, 10, 47, 100, bytes.length - 33, bytes.length - 1]) {
      await expect(readModelFile(bytes.subarray(0, n))).rejects.toThrow(ModelFormatError);
    }
  });

  it('refuses any single flipped byte (SHA-256)', async () => {
    const bytes = await sample();
    for (let i = 16; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i] ^= 0x40;
      await expect(readModelFile(bad)).rejects.toThrow(/corrupt|truncated|header|SHA-256/);
    }
  });

  it('refuses a wrong magic and an unknown version; reads version 1 (plain weights only)', async () => {
    const bad = (await sample()).slice();
    bad[0] = 0x41;
    await expect(readModelFile(bad)).rejects.toThrow(/bad magic/);
    // The version is inside the digest: rewrite it and re-digest, as a writer of that version would.
    const withVersion = async (v: number) => {
      const b = (await sample()).slice();
      new DataView(b.buffer).setUint32(8, v, true);
      b.set(new Uint8Array(await crypto.subtle.digest('SHA-256', b.subarray(0, b.length - 32))), b.length - 32);
      return b;
    };
    expect(FORMAT_VERSION).toBe(2);
    await expect(readModelFile(await withVersion(3))).rejects.toThrow(/unsupported model format version 3 \(this build reads versions 1 and 2\); re-convert/);
    await expect(readModelFile(await withVersion(0))).rejects.toThrow(/unsupported model format version 0/);
    expect(Array.from((await readModelFile(await withVersion(1))).tensor('a'))).toEqual([1.5, -2, 3.25]);
  });

  it('parseModelFile (bundled files) checks the structure but does not hash', async () => {
    const b = (await sample()).slice();
    b[b.length - 40] ^= 1; // a data byte: the digest no longer matches
    await expect(readModelFile(b)).rejects.toThrow(/SHA-256/);
    expect(parseModelFile(b).sha256).toBe((await readModelFile(await sample())).sha256);
    expect(() => parseModelFile(b.subarray(0, 40))).toThrow(/only 40 bytes/);
  });

  it('bytes() is a view of the tensor without a copy', async () => {
    const bytes = await sample();
    const m = parseModelFile(bytes);
    const v = m.bytes('b');
    expect(Array.from(new Int8Array(v.buffer, v.byteOffset, v.length))).toEqual([-128, -1, 0, 1, 127]);
    expect(v.buffer).toBe(bytes.buffer);
  });

  it('checks the packing block of an int8 file', async () => {
    const int8 = { ...header, precision: 'int8' as const };
    await expect(readModelFile(await writeModelFile({ ...int8, packing: { layout_version: 2, builds: ['simd128'], plain: false } }, []))).resolves.toBeDefined();
    await expect(readModelFile(await writeModelFile({ ...int8, packing: { layout_version: 2, builds: ['avx512' as 'simd128'], plain: false } }, []))).rejects.toThrow(/bad packing/);
    await expect(readModelFile(await writeModelFile({ ...header, packing: { layout_version: 2, builds: [], plain: true } }, []))).rejects.toThrow(/packing on a float32/);
  });

  it('checks the header against the data, even with a valid digest', async () => {
    await expect(writeModelFile(header, [{ name: 'x', dtype: 'float32', shape: [4], data: new Float32Array(3) }])).rejects.toThrow(/does not match shape/);
    const badLabels = await writeModelFile({ ...header, labels: ['only one'] }, []);
    await expect(readModelFile(badLabels)).rejects.toThrow(/labels do not match/);
    const badArch = await writeModelFile({ ...header, architecture: { ...header.architecture, family: 'resnet' as 'ghostnetv2' } }, []);
    await expect(readModelFile(badArch)).rejects.toThrow(/unknown architecture/);
  });
});
