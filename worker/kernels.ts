/**
 * The kernel manifest (XNNPACK-style): every kernel family, the exports it gives JS, and every
 * microkernel variant inside it, named `<kernel>_<what>_<isa>` by what it is. The engine binding
 * (`EngineKernels`), the resampler binding (`ResampleKernels`), the kernel testers' per-variant
 * cases (test/node/kernels.test.ts), the kernel benches' labels and the table in docs/KERNELS.md
 * (`npm run docs:kernels`, checked by test/node/kernel-coverage.test.ts) all derive from this list.
 *
 * A build exports one entry point per kernel (the variant it was compiled for dispatches inside it)
 * and the entry's `_reference`; the variants are not exported one by one. `reaches` says which
 * calls run a variant — the dispatcher's conditions, written again here so that tests and benches
 * can aim at each variant's own shapes and edges (each variant then has a planted bug in
 * tools/mutants/list.ts that those cases must catch). When a dispatcher changes, change its
 * `reaches` here: test/node/kernels.test.ts checks every variant's cases reach it.
 */

export type Isa = 'scalar' | 'simd128' | 'relaxed';
export type WasmModule = 'engine' | 'resample';

/** An export's parameter names in order (pointers usize, counts i32, scales f32: all JS numbers). */
export type Params = readonly string[];

/** The call shape the dispatcher looks at, per family. */
export interface DepthwiseCall {
  H: number;
  W: number;
  /** channels (the relaxed build's AVX-VNNI 3×3 s1 wants C % 4 == 0) */
  C: number;
  kh: number;
  kw: number;
  stride: number;
}
export interface GateUpsampleCall {
  W: number;
  C: number;
  xStride: number;
  yStride: number;
}
export interface PointwiseCall {
  pixels: number;
  cin: number;
  cout: number;
  /** pointwise_f32 (the classifier) rather than pointwise */
  f32?: boolean;
}

export interface Variant<Call = never> {
  /** `<kernel>_<what>_<isa>`: the name tests, benches, mutants and docs use. */
  name: string;
  isa: Isa;
  /** The export it runs under... */
  entry: string;
  /** ...and any other that runs it too (pointwise_f32: the same tiles with f32 output). */
  also?: readonly string[];
  /** What one step of its inner loop computes. */
  tile: string;
  /** Its source file under assembly/kernels/<family>/. */
  source: string;
  /** The calls that run it (the dispatcher's conditions), in words for the docs... */
  when: string;
  /** ...and as a predicate, for families whose dispatcher chooses between several variants. */
  reaches?: (call: Call) => boolean;
  /**
   * Relaxed pointwise and depthwise only: the dot form the variant belongs to (assembly/lowering.ts relaxed_dot_mode):
   * 'planes' (exact under every lowering of the relaxed dot) or 'vnni' (runs, and is exact, only
   * where relaxed_dot_lowering() is AVX-VNNI vpdpbusd). `reaches` holds with the build in that form.
   */
  dot?: 'planes' | 'vnni';
  /**
   * SIMD128 pointwise only: the tile form the variant belongs to (pointwise_tiles in
   * assembly/kernels/pointwise/index.ts): 'shuffle' (5-pixel tiles, hosts with explicit bounds
   * checks: workerd) or 'splat' (4-pixel tiles, the default). `reaches` holds with the build in that
   * form; variants without it are reached in the default form.
   */
  tiles?: 'splat' | 'shuffle';
}

export interface KernelFamily<Call = never> {
  family: string;
  module: WasmModule;
  /** Compute kernels: each build exports `<name>` (its variant) and `<name>_reference`. */
  kernels: Readonly<Record<string, Params>>;
  /**
   * Weight packers (no reference: a build packs for its own variant), unpackers and repackers (`build` =
   * the variant() whose layout to read: a build loads weights any build packed at its layout version;
   * `<family>_repack` is its `<family>_pack` of `<family>_unpack`, without the plain copy).
   */
  packers?: Readonly<Record<string, Params>>;
  variants: readonly Variant<Call>[];
}

// -------------------------------------------------------------------------------------------------
// The dispatchers' limits (assembly/kernels/depthwise/{common,general,rowpass}.ts, pointwise/*.ts).

/** Widest row (depthwise W) the row-ring paths take. */
export const DEPTHWISE_MAXW = 254;
/** Widest row the relaxed build's AVX-VNNI 3×3 s1 depthwise takes (depthwise/vnni3x3.ts VMAXW: four quad rows fill the ring). */
export const DEPTHWISE_VNNI_MAXW = 131;
/** Widest row its 3×3 s2 form takes (VMAXW2: three quad rows of ceil(W / 2) entries fill the ring). */
export const DEPTHWISE_VNNI_MAXW2 = 348;
/** Longest line (W for 1×5, H for 5×1) the relaxed build's AVX-VNNI DFC depthwise takes (depthwise/vnni5.ts VMAXL5: one quad line of (⌈L/2⌉ + 1)·64 bytes fills the ring). */
export const DEPTHWISE_VNNI_MAXL5 = 1046;
/** Bytes of pair rows a whole small 3×3 s1 map may take ((H + 2)·(W + 2)·32) to run as one map. */
export const DEPTHWISE_MAP_BYTES = 16384;
/** Most taps dwGeneral keeps pointers for; more go to dwHuge. */
export const DEPTHWISE_MAXT = 128;
/** Tallest kernel of the k×5 row pass. */
export const DEPTHWISE_ROWPASS_MAXK = 7;
/** Pair-row bytes and output pixels a whole small k×5 map may take to run as one map (rowpass.ts MAP5_BYTES, MAP5_PIXELS). */
export const DEPTHWISE_MAP5 = { bytes: 16384, pixels: 256 };
/** Longest dense row (W·C) the gate's row stream stages (assembly/kernels/gate/simd128.ts). */
export const GATE_GROW_MAX = 10240;
/** The SIMD128 pixel-lane tile's limits (assembly/kernels/pointwise/lanes.ts LANES_NMAX, LANES_KMAX, WS_BYTES). */
export const POINTWISE_LANES = { nmax: 20, kmax: 256, tableBytes: 16384 };
/** Largest padded K the pointwise tiles stage; larger takes the slow path. */
export const POINTWISE_KMAX = 4096;
/**
 * The SIMD128 plain-i16 table (expandPlain in assembly/kernels/pointwise/simd128.ts): int8 calls of
 * ≥ minPixels pixels that the pixel-lane tile does not take, (cout rounded up to 8) · (cin rounded up
 * to even) · 16 ≤ tableBytes (lanes.ts TABLE_BYTES).
 */
export const POINTWISE_PLAIN = { minPixels: 40, tableBytes: 32768 };

const outSize = (n: number, k: number, stride: number) => Math.floor((n + 2 * (k >> 1) - k) / stride) + 1;

/** The SIMD depthwise dispatcher's choice (depthwiseChunk in assembly/kernels/depthwise/simd128.ts). */
export function depthwisePath(c: DepthwiseCall): string {
  const { H, W, kh, kw, stride } = c;
  if (kh === 3 && kw === 3 && stride === 1 && (H + 2) * (W + 2) * 32 <= DEPTHWISE_MAP_BYTES) return '3x3s1_map';
  if (kh === 3 && kw === 3 && (stride === 1 || stride === 2) && W <= DEPTHWISE_MAXW) return stride === 1 ? '3x3s1_rows' : '3x3s2_rows';
  if (stride === 1 && kh === 1 && kw === 5 && W === 3) return '1x5s1_line3';
  if (stride === 1 && kh === 5 && kw === 1 && H === 3) return '5x1s1_line3';
  if (stride === 1 && kh === 1 && kw === 5 && W >= 4) return '1x5s1_line';
  if (stride === 1 && kh === 5 && kw === 1 && H >= 4) return '5x1s1_line';
  if (kw === 5 && (kh & 1) === 1 && kh >= 3 && kh <= DEPTHWISE_ROWPASS_MAXK && (stride === 1 || stride === 2) && W <= DEPTHWISE_MAXW) {
    const OH = outSize(H, kh, stride),
      OW = outSize(W, kw, stride);
    const bytes = ((OH - 1) * stride + kh) * (stride === 1 ? W + 6 : OW + 3) * 32;
    if (bytes <= DEPTHWISE_MAP5.bytes && OH * OW <= DEPTHWISE_MAP5.pixels) return 'kx5_map';
  }
  if (kw === 5 && (kh & 1) === 1 && kh <= DEPTHWISE_ROWPASS_MAXK && (stride === 1 || stride === 2) && W <= DEPTHWISE_MAXW && outSize(W, kw, stride) >= 12) return 'kx5_rowpass';
  return kh * kw <= DEPTHWISE_MAXT ? 'general' : 'huge';
}

const dw = (path: string) => (c: DepthwiseCall) => depthwisePath(c) === path;

/** The SIMD variant a depthwise call runs (benches label their shapes with it). */
export const depthwiseVariant = (c: DepthwiseCall) => `depthwise_${depthwisePath(c)}_simd128`;

/**
 * The pointwise tiles a call runs (run() in assembly/kernels/pointwise/{simd128,relaxed}.ts): full
 * tiles of MR pixels, one tail tile of pixels mod MR, 8-channel blocks (a 5..7-channel tail uses the
 * 8-wide tile with a partial store) and a 4-wide tile for a 1..4-channel tail.
 */
function pointwiseTiles(mr: number, kAlign: number, hasLanes: boolean) {
  const fast = (c: PointwiseCall) => Math.ceil(c.cin / kAlign) * kAlign <= POINTWISE_KMAX && c.cin > 0 && c.pixels > 0 && c.cout > 0;
  const wide = (c: PointwiseCall) => c.cout >= 8 || c.cout % 8 > 4;
  // the SIMD128 pixel-lane tile takes the first pixels & ~7 of small-cout int8 calls (lanesFit in lanes.ts)
  const kp = (c: PointwiseCall) => Math.ceil(c.cin / 8) * 8;
  const L = POINTWISE_LANES;
  const lanes = (c: PointwiseCall) =>
    hasLanes && fast(c) && !c.f32 && c.pixels >= 8 && c.cout % 4 === 0 && c.cout <= L.nmax && kp(c) <= L.kmax && Math.ceil(c.cout / 8) * 8 * kp(c) * 8 <= L.tableBytes;
  const rest = (c: PointwiseCall) => (lanes(c) ? c.pixels % 8 : c.pixels);
  // the SIMD128 tiles on a plain i16 table instead of the packed weights (the same tiles, no Σx)
  const P = POINTWISE_PLAIN;
  const plain = (c: PointwiseCall) => hasLanes && fast(c) && !c.f32 && c.pixels >= P.minPixels && !lanes(c) && Math.ceil(c.cout / 8) * (Math.ceil(c.cin / 2) * 2) * 16 <= P.tableBytes;
  const raw = (c: PointwiseCall) => fast(c) && !plain(c);
  // the SIMD128 int8 calls of 6..10 pixels (the 3×3 maps; pairTile in simd128.ts): a 5-pixel tile and
  // the 1..5-pixel rest, both converted first, run on each block of weights in turn
  const pair = (c: PointwiseCall) => hasLanes && fast(c) && !c.f32 && !lanes(c) && c.pixels >= 6 && c.pixels <= 10 && kp(c) * 10 <= P.tableBytes;
  return {
    lanes,
    plain,
    pair: (c: PointwiseCall) => pair(c) && wide(c),
    full: (c: PointwiseCall) => raw(c) && wide(c) && (pair(c) ? c.pixels === 5 + mr : rest(c) >= mr),
    tail: (m: number) => (c: PointwiseCall) => raw(c) && wide(c) && (pair(c) ? c.pixels === 5 + m : rest(c) % mr === m),
    narrow: (c: PointwiseCall) => raw(c) && c.cout % 8 >= 1 && c.cout % 8 <= 4 && rest(c) > 0,
    slow: (c: PointwiseCall) => Math.ceil(c.cin / kAlign) * kAlign > POINTWISE_KMAX && c.pixels > 0,
    fast,
  };
}
const s128 = pointwiseTiles(4, 8, true);
/** The SIMD128 build in its 'shuffle' tile form (pointwise_tiles(1)): 5-pixel tiles. */
const s128shuffle = pointwiseTiles(5, 8, true);
const rlx = pointwiseTiles(2, 16, false);
/**
 * The SIMD128 pointwise tile form for this host (pointwise_tiles; the same bytes either way): 'shuffle'
 * under workerd (navigator.userAgent "Cloudflare-Workers"), which runs wasm without V8's trap handler,
 * so every memory access carries an explicit bounds check and the 4-pixel tiles' extra splat loads
 * cost more than the shuffles they save; 'splat' elsewhere (Node, browsers: a trap handler, loads
 * without checks). Int8Engine.prepare and the pointwise bench set it.
 */
export function defaultPointwiseTiles(): 'splat' | 'shuffle' {
  return (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers' ? 'shuffle' : 'splat';
}

/** The relaxed build's VNNI form (runVnni in relaxed.ts): calls of ≥ 4 pixels and ≤ 4096 channels; 4-pixel tiles, a 1..3-pixel tail. */
export const POINTWISE_VNNI = { minPixels: 4, maxCout: 4096 };
const vnniTiles = () => {
  const t = pointwiseTiles(4, 16, false);
  const ok = (c: PointwiseCall) => c.pixels >= POINTWISE_VNNI.minPixels && c.cout <= POINTWISE_VNNI.maxCout;
  return {
    full: (c: PointwiseCall) => ok(c) && t.full(c),
    tail: (c: PointwiseCall) => ok(c) && (c.cout >= 8 || c.cout % 8 > 4) && t.fast(c) && c.pixels % 4 !== 0,
    narrow: (c: PointwiseCall) => ok(c) && t.narrow(c),
  };
};
const vnni = vnniTiles();
/** The relaxed build's one-pixel VNNI form (vgemv in relaxed.ts): every 1-pixel call with K padded to 16 ≤ KMAX. */
const vnniGemv = (c: PointwiseCall) => c.pixels === 1 && rlx.fast(c);

const POINTWISE_ARGS = ['x', 'pixels', 'cin', 'xStride', 'packed', 'bias', 'scale', 'cout', 'y', 'yStride', 'zpOut', 'qmin', 'qmax'] as const;
const OUT_F32 = 'int8 or f32 output (pointwise_f32: the classifier)';

export const POINTWISE = {
  family: 'pointwise',
  module: 'engine',
  kernels: {
    pointwise: POINTWISE_ARGS,
    pointwise_f32: ['x', 'pixels', 'cin', 'xStride', 'packed', 'bias', 'scale', 'cout', 'y', 'yStride'],
  },
  packers: {
    pointwise_packed_size: ['cin', 'cout'],
    pointwise_pack: ['w', 'cin', 'cout', 'dst'],
    pointwise_packed_size_of: ['build', 'cin', 'cout'],
    pointwise_unpack: ['build', 'packed', 'cin', 'cout', 'w'],
    pointwise_repack: ['build', 'packed', 'cin', 'cout', 'dst'],
  },
  variants: [
    { name: 'pointwise_1x1_scalar', isa: 'scalar', entry: 'pointwise', also: ['pointwise_f32'], tile: '1 px × 1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    {
      name: 'pointwise_4x8_splat_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: "4 px × 8 ch, one k-pair a step (c2x8 packed), each pixel's pair by a splat load (no shuffles)",
      source: 'simd128.ts',
      when: `the 'splat' tile form (pointwise_tiles(2), the default: hosts with a wasm trap handler) — each full group of 4 pixels (after the pixel-lane tile, where it runs; int8 calls with K padded to 8 ≤ 256 that take neither table: two of it per block of weights, 8 pixels per pass over the weights; the plain table's calls; the second tile of a 9-pixel call); also the pixels mod 5 = 4 of the 'shuffle' form; ${OUT_F32}`,
      reaches: s128.full,
      tiles: 'splat',
    },
    {
      name: 'pointwise_5x8_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      tile: '5 px × 8 ch, one k-pair a step (c2x8 packed), pixels 0-3 broadcast by shuffles of one load, pixel 4 by a splat load',
      source: 'simd128.ts',
      when: "the 'shuffle' tile form (pointwise_tiles(1): hosts that bounds-check every memory access, i.e. workerd) — each full group of 5 pixels of an int8 call (after the pixel-lane tile, where it runs; two of it per block of weights where K padded to 8 ≤ 256; on the plain table too); in either form the first 5 pixels of int8 calls of 6..10 pixels that take neither table (the 3×3 maps), both tiles converted first and run block by block, each block of weights read once",
      reaches: (c: PointwiseCall) => s128shuffle.pair(c) || ((s128shuffle.full(c) || (s128shuffle.plain(c) && (c.cout >= 8 || c.cout % 8 > 4))) && !c.f32),
      tiles: 'shuffle',
    },
    {
      name: 'pointwise_8x4_lanes_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      tile: '8 px × 4 ch, pixels in the lanes, weight pairs pre-broadcast per call (no Σx, no shuffles in the loop)',
      source: 'lanes.ts',
      when: `int8 output, cout a multiple of 4 and ≤ ${POINTWISE_LANES.nmax}, ≥ 8 pixels (the first pixels & ~7; the rest take the tiles below), (cout rounded up to 8) · (K padded to 8) · 8 ≤ ${POINTWISE_LANES.tableBytes}: 112² 16→8, 56² 48→12 / 72→12, the stem GEMM`,
      reaches: s128.lanes,
    },
    {
      name: 'pointwise_Mx8_plain_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      tile: '4 px × 8 ch (1..3 px for the pixel tail, 4 ch for a 1..4-channel tail), the same splat-load tiles on plain i16 weights expanded per call (no Σx)',
      source: 'simd128.ts',
      when: `int8 output, ≥ ${POINTWISE_PLAIN.minPixels} pixels, not the pixel-lane tile's, (cout rounded up to 8) · (cin rounded up to even) · 16 ≤ ${POINTWISE_PLAIN.tableBytes}: the spatial 1×1s with K · cout up to ~16 K (112² 16→24, 56² 24→36, 28² 40→120, 14² 80→100 …)`,
      reaches: s128.plain,
    },
    {
      name: 'pointwise_3x8_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '3 px × 8 ch, splat loads',
      source: 'simd128.ts',
      when: 'pixels mod 4 = 3 (8-pixel calls of the 6..10-pixel pairs)',
      reaches: s128.tail(3),
    },
    {
      name: 'pointwise_2x8_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '2 px × 8 ch, splat loads',
      source: 'simd128.ts',
      when: 'pixels mod 4 = 2 (7-pixel calls of the pairs)',
      reaches: s128.tail(2),
    },
    {
      name: 'pointwise_1x8_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1 px × 8 ch, activation pair by load32_splat; 4 blocks a quarter of the channels apart per loop: four weight streams (the GEMVs)',
      source: 'simd128.ts',
      when: 'pixels mod 4 = 1 (6-pixel calls of the pairs): SE reduce/expand, conv_head, classifier',
      reaches: s128.tail(1),
    },
    {
      name: 'pointwise_Mx4_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1..5 px × 4 ch',
      source: 'simd128.ts',
      when: 'cout mod 8 in 1..4 (the last block)',
      reaches: s128.narrow,
    },
    {
      name: 'pointwise_bigk_simd128',
      isa: 'simd128',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1 px × 1 ch over the packed layout',
      source: 'simd128.ts',
      when: `K padded to 8 > ${POINTWISE_KMAX}`,
      reaches: s128.slow,
    },
    {
      name: 'pointwise_4x8_vnni_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '4 px × 8 ch, ONE relaxed dot per k-quad on x ^ 0x80 (unsigned) against the weights, bias − 128·Σw per call (c4x8 packed)',
      source: 'relaxed.ts',
      when: `only where relaxed_dot_lowering() is AVX-VNNI (vpdpbusd): each full group of 4 pixels of a call with ≥ ${POINTWISE_VNNI.minPixels} pixels and ≤ ${POINTWISE_VNNI.maxCout} channels`,
      reaches: vnni.full,
      dot: 'vnni',
    },
    {
      name: 'pointwise_Mx8_vnni_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1..3 px × 8 ch, one relaxed dot per k-quad',
      source: 'relaxed.ts',
      when: 'AVX-VNNI form: pixels mod 4 in 1..3',
      reaches: vnni.tail,
      dot: 'vnni',
    },
    {
      name: 'pointwise_Mx4_vnni_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1..4 px × 4 ch, one relaxed dot per k-quad',
      source: 'relaxed.ts',
      when: 'AVX-VNNI form: cout mod 8 in 1..4',
      reaches: vnni.narrow,
      dot: 'vnni',
    },
    {
      name: 'pointwise_1x8_vnni_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1 px × 8 ch, ONE relaxed dot per k-quad: the pixel quad (signed) against the weights ^ 0x80 (unsigned), bias − 128·Σx; two k-quads (one 64-byte line of weights) a step into two accumulator pairs',
      source: 'relaxed.ts',
      when: 'only where relaxed_dot_lowering() is AVX-VNNI (vpdpbusd): calls of 1 pixel (the GEMVs: SE reduce/expand, conv_head, classifier)',
      reaches: vnniGemv,
      dot: 'vnni',
    },
    {
      name: 'pointwise_2x8_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '2 px × 8 ch × 2 bit planes, one k-quad a step (c4x8 packed)',
      source: 'relaxed.ts',
      when: 'bit-plane form (every CPU without AVX-VNNI; calls of 2 or 3 pixels): each full pair of pixels',
      reaches: rlx.full,
      dot: 'planes',
    },
    {
      name: 'pointwise_1x8_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1 px × 8 ch × 2 bit planes',
      source: 'relaxed.ts',
      when: 'bit-plane form: odd pixel count (the GEMVs where the relaxed dot is not AVX-VNNI)',
      reaches: rlx.tail(1),
      dot: 'planes',
    },
    {
      name: 'pointwise_Mx4_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1..2 px × 4 ch',
      source: 'relaxed.ts',
      when: 'bit-plane form: cout mod 8 in 1..4',
      reaches: rlx.narrow,
      dot: 'planes',
    },
    {
      name: 'pointwise_bigk_relaxed',
      isa: 'relaxed',
      entry: 'pointwise',
      also: ['pointwise_f32'],
      tile: '1 px × 1 ch over the packed layout',
      source: 'relaxed.ts',
      when: `K padded to 16 > ${POINTWISE_KMAX} (either form)`,
      reaches: rlx.slow,
      dot: 'planes',
    },
  ],
} as const satisfies KernelFamily<PointwiseCall>;

export const IM2COL = {
  family: 'im2col',
  module: 'engine',
  kernels: { im2col_3x3s2: ['x', 'H', 'W', 'zpIn', 'dst'] },
  variants: [
    { name: 'im2col_3x3s2_scalar', isa: 'scalar', entry: 'im2col_3x3s2', tile: '1 tap', source: 'reference.ts', when: 'every call (scalar build)' },
    {
      name: 'im2col_3x3s2_simd128',
      isa: 'simd128',
      entry: 'im2col_3x3s2',
      tile: '1 patch row: three 16-byte stores',
      source: 'simd128.ts',
      when: 'interior patches; padded ones and the last row take the scalar path',
    },
  ],
} as const satisfies KernelFamily;

export const STEM = {
  family: 'stem',
  module: 'engine',
  kernels: { stem_3x3s2: ['x', 'H', 'W', 'zpIn', 'packed', 'bias', 'scale', 'cout', 'y', 'yStride', 'zpOut', 'qmin', 'qmax', 'scratch'] },
  packers: { stem_3x3s2_scratch_size: ['H', 'W', 'cout'] },
  variants: [
    { name: 'stem_3x3s2_scalar', isa: 'scalar', entry: 'stem_3x3s2', tile: '1 px × 1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    {
      name: 'stem_3x3s2_2x16_simd128',
      isa: 'simd128',
      entry: 'stem_3x3s2',
      tile: '2 px × 16 ch (4, 8 or 12 for a channel tail), one k-pair a step from i16 pair rows (rows 0 and 1 interleaved, row 2 plain), no im2col',
      source: 'simd128.ts',
      when: 'every call (SIMD128 build)',
    },
    {
      name: 'stem_3x3s2_im2col_relaxed',
      isa: 'relaxed',
      entry: 'stem_3x3s2',
      tile: 'im2col into the scratch, then the relaxed pointwise GEMM (cin 27)',
      source: 'index.ts',
      when: 'every call (relaxed build: its AVX-VNNI GEMM beats the SIMD128 kernel)',
    },
  ],
} as const satisfies KernelFamily;

export const DEPTHWISE = {
  family: 'depthwise',
  module: 'engine',
  kernels: { depthwise: ['x', 'H', 'W', 'C', 'xStride', 'packed', 'bias', 'scale', 'kh', 'kw', 'stride', 'zpIn', 'y', 'yStride', 'zpOut', 'qmin', 'qmax'] },
  packers: {
    depthwise_packed_size: ['C', 'kh', 'kw'],
    depthwise_pack: ['w', 'C', 'kh', 'kw', 'dst'],
    depthwise_packed_size_of: ['build', 'C', 'kh', 'kw'],
    depthwise_unpack: ['build', 'packed', 'C', 'kh', 'kw', 'w'],
    depthwise_repack: ['build', 'packed', 'C', 'kh', 'kw', 'dst'],
  },
  variants: [
    { name: 'depthwise_kxk_scalar', isa: 'scalar', entry: 'depthwise', tile: '1 px × 1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    {
      name: 'depthwise_3x3s1_map_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 2 rows, every pair row of the map built first',
      source: 'rows3x3.ts',
      when: `3×3 s1 small maps, (H + 2)·(W + 2)·32 ≤ ${DEPTHWISE_MAP_BYTES} bytes (≤ 20×20: the late blocks' cheap ops)`,
      reaches: dw('3x3s1_map'),
    },
    {
      name: 'depthwise_3x3s1_rows_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 1 px, pair rows in a ring, 5 dots',
      source: 'rows3x3.ts',
      when: `3×3 s1 larger maps, W ≤ ${DEPTHWISE_MAXW} (Ghost cheap op)`,
      reaches: dw('3x3s1_rows'),
    },
    {
      name: 'depthwise_3x3s2_rows_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 1 px, pair rows in a ring, 6 dots',
      source: 'rows3x3.ts',
      when: `3×3 s2, W ≤ ${DEPTHWISE_MAXW}`,
      reaches: dw('3x3s2_rows'),
    },
    {
      name: 'depthwise_1x5s1_line3_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × one 3-pixel line in registers, 2 dots per pixel, no pair rows',
      source: 'line5.ts',
      when: '1×5 s1, W = 3 (DFC on the 3×3 maps)',
      reaches: dw('1x5s1_line3'),
    },
    {
      name: 'depthwise_5x1s1_line3_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × one 3-pixel column in registers, 2 dots per pixel, no pair rows',
      source: 'line5.ts',
      when: '5×1 s1, H = 3 (DFC on the 3×3 maps)',
      reaches: dw('5x1s1_line3'),
    },
    {
      name: 'depthwise_1x5s1_line_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 2 px, a sliding window of three pairs of the row in registers, 3 dots per pixel',
      source: 'line5.ts',
      when: '1×5 s1, W ≥ 4 (DFC)',
      reaches: dw('1x5s1_line'),
    },
    {
      name: 'depthwise_5x1s1_line_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 2 px, a sliding window of three pairs of the column in registers, 3 dots per pixel',
      source: 'line5.ts',
      when: '5×1 s1, H ≥ 4 (DFC)',
      reaches: dw('5x1s1_line'),
    },
    {
      name: 'depthwise_kx5_map_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 1 px, every pair row of the map built first, one pass per two tap rows over the whole map',
      source: 'rowpass.ts',
      when: `k×5 (odd 3 ≤ k ≤ ${DEPTHWISE_ROWPASS_MAXK}) s1/s2, W ≤ ${DEPTHWISE_MAXW}, pair rows ≤ ${DEPTHWISE_MAP5.bytes} bytes, ≤ ${DEPTHWISE_MAP5.pixels} output pixels (5×5 s2 on 14²)`,
      reaches: dw('kx5_map'),
    },
    {
      name: 'depthwise_kx5_rowpass_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 1 px, one pass per two tap rows into an i32 row',
      source: 'rowpass.ts',
      when: `k×5 (odd k ≤ ${DEPTHWISE_ROWPASS_MAXK}) s1/s2, W ≤ ${DEPTHWISE_MAXW}, ≥ 12 output columns, larger maps (5×5 s2 on 56²)`,
      reaches: dw('kx5_rowpass'),
    },
    {
      name: 'depthwise_general_simd128',
      isa: 'simd128',
      entry: 'depthwise',
      tile: '4 ch × 1 px, tap pointers per pixel',
      source: 'general.ts',
      when: `any other shape with ≤ ${DEPTHWISE_MAXT} taps`,
      reaches: dw('general'),
    },
    { name: 'depthwise_huge_simd128', isa: 'simd128', entry: 'depthwise', tile: '1 px × 1 ch over the packed layout', source: 'general.ts', when: `> ${DEPTHWISE_MAXT} taps`, reaches: dw('huge') },
    {
      name: 'depthwise_3x3s1_4x1_vnni_relaxed',
      isa: 'relaxed',
      entry: 'depthwise',
      tile: '4 ch × 1 px (2 rows a pass), 3 relaxed dot-adds on quad rows (x[j−1], x[j], x[j+1], pad) ^ 0x80, start biasʹ − 128·Σw',
      source: 'vnni3x3.ts',
      when: `only where relaxed_dot_lowering() is AVX-VNNI (vpdpbusd): 3×3 s1, C % 4 == 0, W ≤ ${DEPTHWISE_VNNI_MAXW} (every Ghost cheap op up to 224² input); other calls run the SIMD128 paths`,
      reaches: (c: DepthwiseCall) => c.kh === 3 && c.kw === 3 && c.stride === 1 && c.C % 4 === 0 && c.W <= DEPTHWISE_VNNI_MAXW,
      dot: 'vnni',
    },
    {
      name: 'depthwise_3x3s2_4x1_vnni_relaxed',
      isa: 'relaxed',
      entry: 'depthwise',
      tile: '4 ch × 1 px (1 row a pass), 3 relaxed dot-adds on stride-2 quad rows (x[2j−1], x[2j], x[2j+1], pad) ^ 0x80, start biasʹ − 128·Σw',
      source: 'vnni3x3.ts',
      when: `only where relaxed_dot_lowering() is AVX-VNNI (vpdpbusd): 3×3 s2, C % 4 == 0, W ≤ ${DEPTHWISE_VNNI_MAXW2} (every 3×3 s2 of GhostNetV2 up to 224² input); other calls run the SIMD128 paths`,
      reaches: (c: DepthwiseCall) => c.kh === 3 && c.kw === 3 && c.stride === 2 && c.C % 4 === 0 && c.W <= DEPTHWISE_VNNI_MAXW2,
      dot: 'vnni',
    },
    {
      name: 'depthwise_1x5s1_4x1_vnni_relaxed',
      isa: 'relaxed',
      entry: 'depthwise',
      tile: '4 ch × 2 px, 4 relaxed dot-adds per two pixels on quad lines of entries E[2k] = (x[2k−2], x[2k−1], x[2k], x[2k+1]) ^ 0x80 (E[2k], E[2k+2]), start biasʹ − 128·Σw',
      source: 'vnni5.ts',
      when: `only where relaxed_dot_lowering() is AVX-VNNI (vpdpbusd): 1×5 s1, C % 4 == 0, W ≤ ${DEPTHWISE_VNNI_MAXL5}, W ≠ 3 (every DFC 1×5 of GhostNetV2 up to 224² input but the 3×3 maps' line3 path); other calls run the SIMD128 paths`,
      reaches: (c: DepthwiseCall) => c.kh === 1 && c.kw === 5 && c.stride === 1 && c.C % 4 === 0 && c.W <= DEPTHWISE_VNNI_MAXL5 && c.W !== 3,
      dot: 'vnni',
    },
    {
      name: 'depthwise_5x1s1_4x1_vnni_relaxed',
      isa: 'relaxed',
      entry: 'depthwise',
      tile: '4 ch × 2 px, the 1×5 form down the columns (a pixel step of W·C bytes): 4 relaxed dot-adds per two pixels on E[2k], E[2k+2], start biasʹ − 128·Σw',
      source: 'vnni5.ts',
      when: `only where relaxed_dot_lowering() is AVX-VNNI (vpdpbusd): 5×1 s1, C % 4 == 0, H ≤ ${DEPTHWISE_VNNI_MAXL5}, H ≠ 3 (every DFC 5×1 of GhostNetV2 up to 224² input but the 3×3 maps' line3 path); other calls run the SIMD128 paths`,
      reaches: (c: DepthwiseCall) => c.kh === 5 && c.kw === 1 && c.stride === 1 && c.C % 4 === 0 && c.H <= DEPTHWISE_VNNI_MAXL5 && c.H !== 3,
      dot: 'vnni',
    },
  ],
} as const satisfies KernelFamily<DepthwiseCall>;

const requantArgs = ['y', 'yStride', 'zpOut', 'qmin', 'qmax'] as const;

/** gate_upsample_mul_simd128's choice of the dense row stream. */
const gateRows = (c: GateUpsampleCall) => c.C % 16 !== 0 && c.xStride === c.C && c.yStride === c.C && c.W * c.C <= GATE_GROW_MAX;

export const POOL = {
  family: 'pool',
  module: 'engine',
  kernels: {
    avgpool2x2: ['x', 'H', 'W', 'C', 'xStride', 'zpIn', 'scale', ...requantArgs],
    global_avgpool: ['x', 'pixels', 'C', 'xStride', 'zpIn', 'scale', 'y', 'zpOut'],
  },
  variants: [
    { name: 'avgpool2x2_scalar', isa: 'scalar', entry: 'avgpool2x2', tile: '1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'avgpool2x2_16c_simd128', isa: 'simd128', entry: 'avgpool2x2', tile: '16 ch × 1 px, sums in i16', source: 'simd128.ts', when: 'every call (SIMD builds)' },
    { name: 'global_avgpool_scalar', isa: 'scalar', entry: 'global_avgpool', tile: '1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'global_avgpool_16c_simd128', isa: 'simd128', entry: 'global_avgpool', tile: '16 ch, sums i16 then i32', source: 'simd128.ts', when: 'every call (SIMD builds)' },
  ],
} as const satisfies KernelFamily;

export const GATE = {
  family: 'gate',
  module: 'engine',
  kernels: {
    lut_u8: ['x', 'n', 'lut', 'y'],
    gate_upsample_mul: ['x', 'H', 'W', 'C', 'xStride', 'zpX', 'g', 'gh', 'gw', 'scale', ...requantArgs],
    channel_scale: ['x', 'pixels', 'C', 'xStride', 'zpX', 'g', 'scale', ...requantArgs],
  },
  variants: [
    { name: 'lut_u8_scalar', isa: 'scalar', entry: 'lut_u8', tile: '1 byte', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'lut_u8_16x_swizzle_simd128', isa: 'simd128', entry: 'lut_u8', tile: '16 lookups, two passes of 8 swizzles', source: 'simd128.ts', when: 'every call (SIMD builds)' },
    { name: 'gate_upsample_mul_scalar', isa: 'scalar', entry: 'gate_upsample_mul', tile: '1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    {
      name: 'gate_upsample_mul_rows_simd128',
      isa: 'simd128',
      entry: 'gate_upsample_mul',
      tile: '16 bytes of a dense row against the horizontally upsampled gate row',
      source: 'simd128.ts',
      when: `dense (xStride = yStride = C), C not a multiple of 16, W·C ≤ ${GATE_GROW_MAX}`,
      reaches: gateRows,
    },
    {
      name: 'gate_upsample_mul_16c_simd128',
      isa: 'simd128',
      entry: 'gate_upsample_mul',
      tile: '16 ch × 1 px',
      source: 'simd128.ts',
      when: 'every other call',
      reaches: (c: GateUpsampleCall) => !gateRows(c),
    },
    { name: 'channel_scale_scalar', isa: 'scalar', entry: 'channel_scale', tile: '1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'channel_scale_16c_simd128', isa: 'simd128', entry: 'channel_scale', tile: '16 ch × 1 px', source: 'simd128.ts', when: 'every call (SIMD builds)' },
  ],
} as const satisfies KernelFamily<GateUpsampleCall>;

export const ADD = {
  family: 'add',
  module: 'engine',
  kernels: { add: ['a', 'pixels', 'C', 'aStride', 'zpA', 'mA', 'b', 'bStride', 'zpB', 'mB', ...requantArgs] },
  variants: [
    { name: 'add_scalar', isa: 'scalar', entry: 'add', tile: '1 ch', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'add_16c_simd128', isa: 'simd128', entry: 'add', tile: '16 ch × 1 px', source: 'simd128.ts', when: 'every call (SIMD builds)' },
  ],
} as const satisfies KernelFamily;

export const INPUT = {
  family: 'input',
  module: 'engine',
  kernels: { quantize_chw: ['x', 'n', 'inv', 'zp', 'y'] },
  variants: [
    { name: 'quantize_chw_scalar', isa: 'scalar', entry: 'quantize_chw', tile: '1 px', source: 'reference.ts', when: 'every call (scalar build)' },
    {
      name: 'quantize_chw_16px_simd128',
      isa: 'simd128',
      entry: 'quantize_chw',
      tile: '16 px × 3 planes, one plane a step; f32 pre-clamp, f64 magic rounding',
      source: 'simd128.ts',
      when: 'every call (SIMD builds)',
    },
  ],
} as const satisfies KernelFamily;

export const RESAMPLE = {
  family: 'resample',
  module: 'resample',
  kernels: {
    resample_h: ['src', 'srcStride', 'rows', 'start', 'count', 'packed', 'ksize', 'nx', 'C', 'dst', 'dstStride'],
    resample_v: ['ring', 'ringRows', 'ringStride', 'width', 'start', 'count', 'k', 'ksize', 'ny', 'dst', 'dstStride'],
    rgba_to_l: ['src', 'n', 'dst'],
  },
  packers: { resample_h_packed_size: ['nx', 'ksize', 'C'], resample_h_pack: ['k', 'count', 'nx', 'ksize', 'C', 'dst'] },
  variants: [
    { name: 'resample_h_scalar', isa: 'scalar', entry: 'resample_h', tile: '1 px × C', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'resample_h_4tap_simd128', isa: 'simd128', entry: 'resample_h', tile: 'C = 3: 4 taps of RGBA a step; C = 1: 8 taps', source: 'simd128.ts', when: 'every call (SIMD build)' },
    { name: 'resample_v_scalar', isa: 'scalar', entry: 'resample_v', tile: '1 byte', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'resample_v_16b_simd128', isa: 'simd128', entry: 'resample_v', tile: '16 bytes of a row', source: 'simd128.ts', when: 'every call (SIMD build)' },
    { name: 'rgba_to_l_scalar', isa: 'scalar', entry: 'rgba_to_l', tile: '1 px', source: 'reference.ts', when: 'every call (scalar build)' },
    { name: 'rgba_to_l_simd128', isa: 'simd128', entry: 'rgba_to_l', tile: '16 px', source: 'simd128.ts', when: 'every call (SIMD build)' },
  ],
} as const satisfies KernelFamily;

export const QUANTIZE = {
  family: 'quantize',
  module: 'resample',
  kernels: { quantize_hwc: ['src', 'n', 'C', 'params', 'dst'] },
  variants: [
    { name: 'quantize_hwc_scalar', isa: 'scalar', entry: 'quantize_hwc', tile: '1 px (3 table lookups)', source: 'reference.ts', when: 'scalar build; SIMD build when the table has no affine form' },
    {
      name: 'quantize_hwc_48b_simd128',
      isa: 'simd128',
      entry: 'quantize_hwc',
      tile: 'C = 3: 48 bytes (3 vectors, one per channel phase); C = 1: 16 px → 48 bytes',
      source: 'simd128.ts',
      when: 'SIMD build, when quantizeParams found the affine form (every model so far)',
    },
  ],
} as const satisfies KernelFamily;

/** Every family, in the order docs/KERNELS.md lists them. */
export const KERNEL_FAMILIES = [POINTWISE, IM2COL, STEM, DEPTHWISE, POOL, GATE, ADD, INPUT, RESAMPLE, QUANTIZE] as const;

// -------------------------------------------------------------------------------------------------
// Bindings derived from the list.

type Family = (typeof KERNEL_FAMILIES)[number];
type Fn<P> = P extends Params ? (...args: { -readonly [I in keyof P]: number }) => number : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Of<M extends WasmModule> = Extract<Family, { module: M }>;
type KernelsOf<F> = F extends Family ? { [K in keyof F['kernels']]: Fn<F['kernels'][K]> } : never;
type ReferencesOf<F> = F extends Family ? { [K in keyof F['kernels'] as `${K & string}_reference`]: Fn<F['kernels'][K]> } : never;
type PackersOf<F> = F extends { packers: infer P extends Record<string, Params> } ? { [K in keyof P]: Fn<P[K]> } : Record<never, never>;
type ModuleExports<M extends WasmModule> = UnionToIntersection<KernelsOf<Of<M>> | ReferencesOf<Of<M>> | PackersOf<Of<M>>>;

/** What every build of either module exports besides its kernels (assembly/arena.ts, index.ts). */
export interface ArenaExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(to: number): void;
  /** 0 scalar, 1 SIMD128, 2 relaxed SIMD. */
  variant(): number;
}

/** The engine module (build/engine.*.wasm, assembly/index.ts): arena, layout version, the manifest's kernels. */
export type EngineExports = ArenaExports & { pack_layout_version(): number; pointwise_tiles(request: number): number } & ModuleExports<'engine'>;
/** A compute kernel of the engine module (what an op's eval may call), or a packer/size helper its prepare may call. */
export type EngineKernelName = keyof UnionToIntersection<KernelsOf<Of<'engine'>> | PackersOf<Of<'engine'>>> & string;
/** The image module (build/resample.*.wasm, assembly/image/index.ts). */
export type ResampleExports = ArenaExports & ModuleExports<'resample'>;
/** Any kernel, reference or packer export of either module (what a tester or bench may look up). */
export type KernelExportName = (keyof ModuleExports<'engine'> | keyof ModuleExports<'resample'>) & string;

/** A variant's name, for tests and benches keyed by it. */
export type VariantName = Family['variants'][number]['name'];

export const VARIANTS: readonly (Variant<never> & { family: string; module: WasmModule })[] = KERNEL_FAMILIES.flatMap((f) =>
  (f.variants as readonly Variant<never>[]).map((v) => ({ ...v, family: f.family, module: f.module as WasmModule })),
);

/** Every compute kernel export (with a `_reference`) of a module. */
export function kernelExports(module?: WasmModule): string[] {
  return KERNEL_FAMILIES.filter((f) => !module || f.module === module).flatMap((f) => Object.keys(f.kernels));
}
