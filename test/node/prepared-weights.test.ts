/**
 * Model format 2, prepared weights (models/FORMAT.md): a file packed by the converter for an
 * engine build runs bit-identically to computing everything at prepare, with nothing computed;
 * a build the file was not packed for packs the plain weights, or, when there are none, repacks
 * another build's packing at its layout version (<family>_repack); a file packed only at another
 * pack_layout_version is refused, or repacked from its plain weights. Run on the golden tiny checkpoint and the V1/V3 family fixtures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, writeInt8Model } from '../../tools/convert/convert.ts';
import { Feature } from '../../tools/convert/float-forward.ts';
import { packInt8Model } from '../../tools/convert/pack.ts';
import { createEngine, engineModule } from '../../tools/engine-node.ts';
import { Int8Engine } from '../../worker/model/engine.ts';
import { parseModelFile, readModelFile, writeModelFile, type ModelFile } from '../../worker/model/format.ts';
import { loadNpy } from '../helpers/npy.ts';

const fixture = (f: string) => new URL(`../fixtures/${f}`, import.meta.url);
const x64 = loadNpy(fixture('golden/inputs_s64.npy'));
const calib = Array.from({ length: 4 }, (_, i) => new Feature(3, 64, 64, x64.data.slice(i * 3 * 64 * 64, (i + 1) * 3 * 64 * 64)));

async function plainFile(ckpt: string): Promise<Uint8Array> {
  const ck = await loadCheckpoint(new Uint8Array(readFileSync(fixture(ckpt))), ckpt.split('/').pop()!);
  return writeInt8Model(ck, { name: 'm', sourceName: ckpt, preprocessing: { input_size: 64 } }, { calibration: calib });
}

/** Every tensor of a debug run, as raw int8 bytes, plus the logits. */
function run(e: Int8Engine, x: Float32Array): Map<string, string> {
  const out = e.run(x);
  const m = new Map<string, string>();
  for (const name of e.graph.tensors.keys()) m.set(name, Buffer.from(e.raw(name).buffer).toString('base64'));
  m.set('logits', Buffer.from(out.logits.buffer).toString('base64'));
  return m;
}

/** The same file with its header changed (re-digested: a writer of such a header). */
async function withHeader(m: ModelFile, edit: (h: Record<string, unknown>) => void): Promise<ModelFile> {
  const { tensors, ...header } = structuredClone(m.header) as unknown as Record<string, unknown> & { tensors: ModelFile['header']['tensors'] };
  edit(header);
  return readModelFile(
    await writeModelFile(
      header as never,
      tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: m.tensor(t.name) })),
    ),
  );
}

describe('prepared weights (model format 2)', () => {
  for (const ckpt of ['golden/tiny_w015_c10_s64_thop.pth.tar', 'family/v1_w010_c10_s64.pth.tar', 'family/v3_w010_c10_s64_timm.safetensors']) {
    it(`${ckpt}: packed files run bit-identically to preparing from plain weights, on every tensor`, async () => {
      const plain = await plainFile(ckpt);
      const both = await packInt8Model(plain, ['simd128', 'plain']);
      const simdOnly = await packInt8Model(plain, ['simd128']);
      const models = { plain: parseModelFile(plain), both: parseModelFile(both), simdOnly: parseModelFile(simdOnly) };
      expect(models.plain.header.packing).toBeUndefined();
      expect(models.simdOnly.header.packing).toEqual({ layout_version: expect.any(Number), builds: ['simd128'], plain: false });
      expect(models.simdOnly.has('conv_stem.weight')).toBe(false);

      const ref = await createEngine(models.plain, 'simd128', true);
      const engines = {
        'simd128, packed': await createEngine(models.simdOnly, 'simd128', true),
        'simd128, packed + plain': await createEngine(models.both, 'simd128', true),
        'scalar, plain of the packed file': await createEngine(models.both, 'scalar', true),
        'scalar, unpacked from the SIMD128-only file': await createEngine(models.simdOnly, 'scalar', true),
      };
      for (let i = 0; i < 2; i++) {
        const want = run(ref, calib[i].data);
        for (const [what, e] of Object.entries(engines)) expect(run(e, calib[i].data), what).toEqual(want);
      }
    });
  }

  it('a build the file is packed for copies everything: prepare computes nothing', async () => {
    const m = parseModelFile(await packInt8Model(await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar'), ['simd128', 'plain']));
    expect(Int8Engine.prepare(m, engineModule('simd128'), { record: true }).recorded).toEqual([]);
    // The scalar build packs the plain weights itself (and copies the folded biases and scales).
    const scalar = Int8Engine.prepare(m, engineModule('scalar'), { record: true }).recorded.map((t) => t.name);
    expect(scalar.length).toBeGreaterThan(0);
    expect(scalar.every((n) => n.endsWith('.packed.scalar'))).toBe(true);
  });

  it("a build the file has no packing and no plain weights for unpacks another build's packing and packs only its own", async () => {
    const plain = await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar');
    const m = parseModelFile(await packInt8Model(plain, ['simd128']));
    const recorded = Int8Engine.prepare(m, engineModule('scalar'), { record: true }).recorded;
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.every((t) => t.name.endsWith('.packed.scalar'))).toBe(true);
    // what it packs is what it packs from the plain weights
    const fromPlain = new Map(Int8Engine.prepare(parseModelFile(plain), engineModule('scalar'), { record: true }).recorded.map((t) => [t.name, t.data]));
    for (const t of recorded) expect(Array.from(t.data), t.name).toEqual(Array.from(fromPlain.get(t.name)!));
  });

  /** `file` without its folded biases, with the plain ones of `source` instead (a valid file prepare must fold). */
  async function withoutFoldedBiases(file: ModelFile, source: ModelFile): Promise<ModelFile> {
    const { tensors, ...header } = structuredClone(file.header) as unknown as Record<string, unknown> & { tensors: ModelFile['header']['tensors'] };
    const folded = tensors.filter((t) => t.name.endsWith('.bias_folded'));
    expect(folded.length).toBeGreaterThan(0);
    const biases = folded.map((t) => source.header.tensors.find((u) => u.name === t.name.replace('.bias_folded', '.bias'))!);
    const kept = [...tensors.filter((t) => !t.name.endsWith('.bias_folded')), ...biases];
    return readModelFile(
      await writeModelFile(
        header as never,
        kept.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: (biases.includes(t) ? source : file).tensor(t.name) })),
      ),
    );
  }

  it('a packed-only file without folded biases: the build that repacks folds them from the unpacked weights', async () => {
    const plain = await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar');
    const source = parseModelFile(plain);
    const ref = await createEngine(source, 'simd128', true);
    // the scalar build from SIMD128's packing (unpacked into its plain layout); the relaxed build's in-place
    // repack (the unpack for the bias first) is tested in workerd (test/workers/relaxed-engine.test.ts)
    const file = await withoutFoldedBiases(parseModelFile(await packInt8Model(plain, ['simd128'])), source);
    const e = Int8Engine.prepare(file, engineModule('scalar'), { debug: true, record: true });
    expect(e.recorded.some((t) => t.name.endsWith('.bias_folded'))).toBe(true);
    expect(run(e, calib[0].data)).toEqual(run(ref, calib[0].data));
  });

  it('refuses a file with neither plain weights nor packing by any build, saying what to do', async () => {
    const m = await withHeader(parseModelFile(await packInt8Model(await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar'), ['simd128'])), (h) => {
      (h.packing as { builds: string[] }).builds = [];
    });
    await expect(createEngine(m, 'scalar')).rejects.toThrow(/the model file has no packed weights and no plain weights, but this is the scalar build.*re-convert it with --pack plain/);
  });

  it('a file packed at another pack_layout_version: refused without plain weights, repacked with them', async () => {
    const plain = await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar');
    const ref = run(await createEngine(parseModelFile(plain), 'simd128', true), calib[0].data);
    const stale = (m: ModelFile) => withHeader(m, (h) => ((h.packing as { layout_version: number }).layout_version -= 1));
    const simdOnly = await stale(parseModelFile(await packInt8Model(plain, ['simd128'])));
    await expect(createEngine(simdOnly, 'simd128')).rejects.toThrow(
      /layout version \d+\) and no plain weights, but this is the simd128 build \(layout version \d+\): re-convert it with --pack simd128/,
    );
    const both = await stale(parseModelFile(await packInt8Model(plain, ['simd128', 'plain'])));
    expect(run(await createEngine(both, 'simd128', true), calib[0].data)).toEqual(ref);
  });

  it('a prepared tensor of the wrong size is refused, not read past', async () => {
    const m = parseModelFile(await packInt8Model(await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar'), ['simd128']));
    const { tensors, ...header } = m.header;
    const cut = await readModelFile(
      await writeModelFile(
        header,
        tensors.map((t) =>
          t.name === 'conv_head.requant'
            ? { name: t.name, dtype: t.dtype, shape: [t.shape[0] - 1], data: (m.tensor(t.name) as Float32Array).slice(1) }
            : { name: t.name, dtype: t.dtype, shape: t.shape, data: m.tensor(t.name) },
        ),
      ),
    );
    await expect(createEngine(cut, 'simd128')).rejects.toThrow(/conv_head.requant has \d+ bytes, the engine expects \d+/);
  });

  it('packing needs plain weights: a packed-only file cannot be re-packed', async () => {
    const simdOnly = await packInt8Model(await plainFile('golden/tiny_w015_c10_s64_thop.pth.tar'), ['simd128']);
    await expect(packInt8Model(simdOnly, ['relaxed'])).rejects.toThrow(/no plain weights to pack.*re-convert/);
  });
});
