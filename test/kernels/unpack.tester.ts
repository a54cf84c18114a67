/**
 * unpack tester: `<family>_unpack(build, …)` is the exact inverse of build `build`'s `<family>_pack`,
 * and `<family>_repack(build, …)` is the reading build's pack of it,
 * for the pointwise (1x1 GEMM: stem, pointwise, classifier) and depthwise layouts. Shared by the
 * Node tests (scalar and SIMD128 builds) and the workerd run (the relaxed build, whose c4x8 layout
 * and relaxed SIMD Node 20 cannot run).
 *
 * A case draws full-range int8 weights (-128..127) of a shape, packs them with the packing build's
 * own `<family>_pack`, hands the packed bytes to the reading build's `<family>_unpack(variant of the
 * packing build)`, and requires the plain weights back byte for byte, nothing written past them (32
 * poison bytes), the packed bytes unchanged, and `<family>_packed_size_of` of the reader to agree with
 * the packer's own `<family>_packed_size`. Then `<family>_repack(variant of the packing build)` of the
 * same packed bytes must give exactly the reader's own `<family>_pack` of the weights (also reached
 * by the reader's unpack then pack), nothing written past it, the packed bytes unchanged; between the
 * SIMD builds' layouts also in place (the packed bytes at the start of the block, as prepare does it
 * when they fit). Packer and
 * reader may be different builds (instances): the relaxed build reading what the SIMD128 build packed
 * is what the Worker does with the bundled model (prepare repacks, worker/model/ops/context.ts).
 */
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { Rng } from '../../tools/lib/rng.ts';
import { GHOSTNET_CHANNELS } from './shapes.ts';

const POISON = 0xa5;

function check(got: Uint8Array, want: Uint8Array, what: string): void {
  const d = firstDifference(got, want);
  if (d >= 0) throw new Error(`${what}: byte ${d} is ${got[d]}, expected ${want[d]}`);
}

type Family = 'pointwise' | 'depthwise';

/**
 * One shape of one family: the packer's `<family>_pack`, then the reader's `<family>_unpack` and
 * `<family>_repack` of those bytes. `shape` is the family's shape arguments as its functions take
 * them (pointwise: cin, cout; depthwise: C, kh, kw); the plain weights are their product in bytes.
 */
function familyCase(packer: Harness, reader: Harness, seed: number, family: Family, shape: number[], shapeText: string): void {
  const rng = new Rng(seed);
  const plain = shape.reduce((a, b) => a * b, 1);
  const w = rng.i8(plain);
  const build = packer.ex.variant();
  const what = `${family}_unpack(${build}) ${shapeText} (seed ${seed})`;
  const n = packer.fn(`${family}_packed_size`)(...shape) as number;
  const packed = packer.scoped(() => {
    const wp = packer.put(w);
    const pp = packer.out(n, 0);
    packer.fn(`${family}_pack`)(wp, ...shape, pp);
    return packer.bytes(pp, n);
  });
  reader.scoped(() => {
    const size = reader.fn(`${family}_packed_size_of`)(build, ...shape);
    if (size !== n) throw new Error(`${what}: ${family}_packed_size_of is ${size}, the packing build's ${family}_packed_size ${n}`);
    const pp = reader.put(packed);
    const out = reader.out(plain, POISON);
    reader.fn(`${family}_unpack`)(build, pp, ...shape, out);
    const want = new Uint8Array(plain + 32).fill(POISON);
    want.set(new Uint8Array(w.buffer));
    check(reader.bytes(out, plain + 32), want, what);
    check(reader.bytes(pp, n), packed, `${what}: the packed weights changed`);
    // <family>_repack: the reader's own <family>_pack of the weights, by the reader's unpack then pack
    const m = reader.fn(`${family}_packed_size`)(...shape) as number;
    const viaPlain = reader.out(m, 0);
    reader.fn(`${family}_pack`)(out, ...shape, viaPlain);
    const truth = reader.scoped(() => {
      const own = reader.out(m, 0);
      reader.fn(`${family}_pack`)(reader.put(w), ...shape, own);
      return reader.bytes(own, m);
    });
    const rwhat = `${family}_repack(${build}) into build ${reader.ex.variant()}, ${shapeText} (seed ${seed})`;
    check(reader.bytes(viaPlain, m), truth, `${rwhat}: unpack then pack differs from packing the weights`);
    const re = reader.out(m, POISON);
    reader.fn(`${family}_repack`)(build, pp, ...shape, re);
    const rwant = new Uint8Array(m + 32).fill(POISON);
    rwant.set(truth);
    check(reader.bytes(re, m + 32), rwant, rwhat);
    check(reader.bytes(pp, n), packed, `${rwhat}: the packed weights changed`);
    if (build > 0 && reader.ex.variant() > 0 && n <= m) {
      // between the SIMD builds' layouts, in place (prepare's way): the packed bytes at the start of the block
      const at = reader.out(m, POISON);
      new Uint8Array(reader.ex.memory.buffer, at, n).set(packed);
      reader.fn(`${family}_repack`)(build, at, ...shape, at);
      check(reader.bytes(at, m + 32), rwant, `${rwhat}, in place`);
    }
  });
}

/** One pointwise [cout][cin] shape through the packer's pointwise_pack and the reader's pointwise_unpack / pointwise_repack. */
export function pointwiseUnpackCase(packer: Harness, reader: Harness, seed: number, cin: number, cout: number): void {
  familyCase(packer, reader, seed, 'pointwise', [cin, cout], `cin=${cin} cout=${cout}`);
}

/** One depthwise [C][kh][kw] shape through the packer's depthwise_pack and the reader's depthwise_unpack / depthwise_repack. */
export function depthwiseUnpackCase(packer: Harness, reader: Harness, seed: number, C: number, kh: number, kw: number): void {
  familyCase(packer, reader, seed, 'depthwise', [C, kh, kw], `C=${C} kh=${kh} kw=${kw}`);
}

/** The depthwise kernel sizes GhostNet uses (3×3, 5×5, the DFC 1×5 / 5×1, 1×1) and odd others. */
const KERNELS: [number, number][] = [
  [3, 3],
  [5, 5],
  [1, 5],
  [5, 1],
  [1, 1],
  [7, 7],
  [3, 1],
  [1, 3],
  [2, 3],
  [4, 1],
];

/**
 * Random shapes (cin, cout, C from 1, not multiples of the tiles: 8 channels, K padded to 8 or 16,
 * 4-channel groups), the stem's K = 27, the classifier's 10 outputs, and every GhostNet channel count.
 */
export function unpackCases(packer: Harness, reader: Harness, rng: Rng, count: number): void {
  const seed = () => rng.int(0, 0x7fffffff);
  for (let i = 0; i < count; i++) {
    pointwiseUnpackCase(packer, reader, seed(), rng.int(1, 70), rng.int(1, 45));
    const [kh, kw] = rng.pick(KERNELS);
    depthwiseUnpackCase(packer, reader, seed(), rng.int(1, 45), kh, kw);
  }
  for (const [cin, cout] of [
    [1, 1],
    [27, 16],
    [27, 5],
    [17, 9],
    [1280, 10],
    [960, 1280],
  ])
    pointwiseUnpackCase(packer, reader, seed(), cin, cout);
  for (const c of GHOSTNET_CHANNELS) {
    pointwiseUnpackCase(packer, reader, seed(), c, rng.pick(GHOSTNET_CHANNELS));
    for (const [kh, kw] of KERNELS.slice(0, 4)) depthwiseUnpackCase(packer, reader, seed(), c, kh, kw);
  }
}
