/**
 * Each SIMD microkernel variant of the manifest (worker/kernels.ts) on its own shapes and edges:
 * the calls its dispatcher sends to it (asserted with the variant's `reaches`), at the boundaries
 * of its domain (smallest/largest width it takes, channel and pixel tails, the neighbour that takes
 * over just past its limit is the next variant's case). Each case runs the family's tester: the
 * build's entry point against its `_reference` in the same build, byte for byte, poison after the
 * output slice. test/node/kernels.test.ts runs the SIMD128 rows, test/workers/relaxed-engine.test.ts
 * the relaxed ones; both fail for a manifest variant with no row here.
 */
import type { DepthwiseCall, GateUpsampleCall, PointwiseCall, VariantName } from '../../worker/kernels.ts';
import { firstDifference, type Harness } from '../../tools/lib/harness.ts';
import { addCase } from './add.tester.ts';
import { depthwiseCase, type DepthwiseShape } from './depthwise.tester.ts';
import { channelScaleCase, gateUpsampleCase, lutCase, type UpsampleShape } from './gate.tester.ts';
import { im2colShape } from './im2col.tester.ts';
import { inputCase } from './input.tester.ts';
import { stemShape, type StemShape } from './stem.tester.ts';
import { pointwiseShape, type PointwiseShape } from './pointwise.tester.ts';
import { avgpool2x2Case, globalAvgpoolCase } from './pool.tester.ts';
import { quantizeHwcCase } from './quantize.tester.ts';
import { resampleHCase, resampleVCase, rgbaToLCase } from './resample.tester.ts';

export interface VariantCase {
  /** What the dispatcher looks at, checked against the variant's `reaches` (families with several variants). */
  call?: DepthwiseCall | PointwiseCall | GateUpsampleCall;
  /** Shown in a failure. */
  label: string;
  run: (h: Harness, seed: number) => void;
}

const dw = (s: DepthwiseShape): VariantCase => ({ call: s, label: JSON.stringify(s), run: (h, seed) => depthwiseCase(h, seed, s) });
const dwEdges = (base: Omit<DepthwiseShape, 'C'>): VariantCase[] => [1, 3, 4, 5, 8, 13, 16, 17].map((C) => dw({ ...base, C }));

const pw = (s: PointwiseShape): VariantCase => ({ call: s, label: JSON.stringify(s), run: (h, seed) => pointwiseShape(h, seed, s) });
/** A pixel count's tile at every channel tail that uses the 8-wide tile, int8 and f32 out, K at its edges. */
const pwTile = (pixels: number[]): VariantCase[] =>
  pixels.flatMap((p) => [
    pw({ cin: 1, cout: 24, pixels: p }),
    pw({ cin: 9, cout: 13, pixels: p, yStride: 15, yOffset: 1 }),
    pw({ cin: 16, cout: 5, pixels: p, f32: true }),
    pw({ cin: 40, cout: 24, pixels: p, xStride: 43, xOffset: 3 }),
    pw({ cin: 4096, cout: 7, pixels: p }),
  ]);

const DEPTHWISE: Partial<Record<VariantName, VariantCase[]>> = {
  depthwise_3x3s1_map_simd128: [
    ...dwEdges({ H: 5, W: 7, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 1, W: 1, C: 5, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 2, W: 2, C: 9, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 7, W: 7, C: 17, kh: 3, kw: 3, stride: 1 }), // odd height: the last row alone
    dw({ H: 14, W: 14, C: 20, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 30, W: 14, C: 6, kh: 3, kw: 3, stride: 1 }), // 32·16·32 = MAP_BYTES exactly
    dw({ H: 2, W: 3, C: 4100, kh: 3, kw: 3, stride: 1 }), // more channels than one chunk (MAXC)
  ],
  depthwise_3x3s1_rows_simd128: [
    ...dwEdges({ H: 20, W: 31, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 1, W: 254, C: 5, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 31, W: 14, C: 9, kh: 3, kw: 3, stride: 1 }), // one row past the map's MAP_BYTES
    dw({ H: 3, W: 254, C: 6, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 28, W: 28, C: 17, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 9, W: 60, C: 4100, kh: 3, kw: 3, stride: 1 }), // more channels than one chunk (MAXC)
  ],
  depthwise_3x3s2_rows_simd128: [
    ...dwEdges({ H: 6, W: 9, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 1, W: 1, C: 3, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 2, W: 2, C: 7, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 5, W: 253, C: 5, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 4, W: 254, C: 12, kh: 3, kw: 3, stride: 2 }),
  ],
  depthwise_1x5s1_line3_simd128: [
    ...dwEdges({ H: 3, W: 3, kh: 1, kw: 5, stride: 1 }), // the network's DFC on 3×3
    dw({ H: 1, W: 3, C: 7, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 5, W: 3, C: 960, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 2, W: 3, C: 4100, kh: 1, kw: 5, stride: 1 }), // more channels than one chunk (MAXC)
  ],
  depthwise_5x1s1_line3_simd128: [
    ...dwEdges({ H: 3, W: 3, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 3, W: 1, C: 7, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 3, W: 6, C: 960, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 3, W: 2, C: 4100, kh: 5, kw: 1, stride: 1 }),
  ],
  depthwise_1x5s1_line_simd128: [
    ...dwEdges({ H: 3, W: 9, kh: 1, kw: 5, stride: 1 }),
    ...dwEdges({ H: 2, W: 8, kh: 1, kw: 5, stride: 1 }), // even line: no odd last pixel
    dw({ H: 1, W: 4, C: 7, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 2, W: 5, C: 20, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 7, W: 7, C: 200, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 2, W: 300, C: 9, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 2, W: 6, C: 4100, kh: 1, kw: 5, stride: 1 }), // more channels than one chunk (MAXC)
  ],
  depthwise_5x1s1_line_simd128: [
    ...dwEdges({ H: 9, W: 3, kh: 5, kw: 1, stride: 1 }),
    ...dwEdges({ H: 8, W: 2, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 4, W: 1, C: 7, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 5, W: 2, C: 20, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 14, W: 14, C: 120, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 300, W: 2, C: 9, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 7, W: 2, C: 4100, kh: 5, kw: 1, stride: 1 }),
  ],
  depthwise_kx5_map_simd128: [
    ...dwEdges({ H: 14, W: 14, kh: 5, kw: 5, stride: 2 }), // the network's 5×5 s2 on 14²
    dw({ H: 1, W: 1, C: 5, kh: 5, kw: 5, stride: 2 }),
    dw({ H: 2, W: 3, C: 9, kh: 5, kw: 5, stride: 1 }),
    dw({ H: 13, W: 11, C: 20, kh: 5, kw: 5, stride: 2 }), // odd sizes: the last column and row
    dw({ H: 9, W: 12, C: 17, kh: 5, kw: 5, stride: 1 }),
    dw({ H: 6, W: 9, C: 6, kh: 3, kw: 5, stride: 1 }),
    dw({ H: 5, W: 8, C: 7, kh: 7, kw: 5, stride: 2 }),
    dw({ H: 16, W: 16, C: 13, kh: 3, kw: 5, stride: 1 }), // 256 output pixels: MAP5_PIXELS exactly
    dw({ H: 28, W: 26, C: 5, kh: 5, kw: 5, stride: 2 }), // 31 pair rows of 16 entries: 15872 bytes, the most at OW 13
    dw({ H: 3, W: 5, C: 4100, kh: 5, kw: 5, stride: 2 }), // more channels than one chunk (MAXC)
  ],
  depthwise_kx5_rowpass_simd128: [
    ...dwEdges({ H: 40, W: 23, kh: 5, kw: 5, stride: 2 }), // 12 output columns, too tall for the map
    dw({ H: 5, W: 254, C: 6, kh: 5, kw: 5, stride: 2 }),
    dw({ H: 30, W: 12, C: 5, kh: 5, kw: 5, stride: 1 }),
    dw({ H: 29, W: 26, C: 5, kh: 5, kw: 5, stride: 2 }), // 33 pair rows: one output row past the map's MAP5_BYTES
    dw({ H: 16, W: 17, C: 9, kh: 3, kw: 5, stride: 1 }), // 272 output pixels: one column past the map's MAP5_PIXELS
    dw({ H: 20, W: 30, C: 17, kh: 3, kw: 5, stride: 1 }),
    dw({ H: 30, W: 14, C: 4, kh: 7, kw: 5, stride: 1 }),
    dw({ H: 3, W: 24, C: 9, kh: 1, kw: 5, stride: 2 }),
  ],
  depthwise_general_simd128: [
    ...dwEdges({ H: 6, W: 6, kh: 2, kw: 2, stride: 1 }),
    dw({ H: 4, W: 255, C: 5, kh: 3, kw: 3, stride: 1 }), // one past the row paths' MAXW
    dw({ H: 7, W: 22, C: 6, kh: 5, kw: 5, stride: 3 }), // stride 3: no row path
    dw({ H: 40, W: 22, C: 6, kh: 5, kw: 5, stride: 2 }), // 11 output columns (too few for the row pass), too tall for the map
    dw({ H: 3, W: 2, C: 9, kh: 1, kw: 5, stride: 1 }), // too narrow for the line kernels
    dw({ H: 2, W: 3, C: 9, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 9, W: 10, C: 7, kh: 7, kw: 7, stride: 3 }),
    dw({ H: 9, W: 17, C: 5, kh: 8, kw: 16, stride: 1 }), // exactly MAXT taps
  ],
  depthwise_huge_simd128: [dw({ H: 12, W: 14, C: 5, kh: 11, kw: 13, stride: 1 }), dw({ H: 3, W: 2, C: 17, kh: 9, kw: 15, stride: 2 }), dw({ H: 9, W: 17, C: 4, kh: 1, kw: 129, stride: 1 })],
  // the relaxed build's AVX-VNNI form (run with relaxed_dot_mode(2), only where the runtime grants it)
  depthwise_3x3s1_4x1_vnni_relaxed: [
    ...[4, 8, 12, 16, 20, 28, 36].map((C) => dw({ H: 5, W: 7, C, kh: 3, kw: 3, stride: 1 })), // every C % 16 tail, small map
    ...[4, 12, 24].map((C) => dw({ H: 9, W: 33, C, kh: 3, kw: 3, stride: 1, xOff: 0, xStride: C })), // dense rows: a tail block's last pixel ends the input
    dw({ H: 112, W: 112, C: 8, kh: 3, kw: 3, stride: 1 }), // the largest network map (224² input)
    dw({ H: 7, W: 7, C: 480, kh: 3, kw: 3, stride: 1 }), // the most channels of the network
    dw({ H: 14, W: 14, C: 336, kh: 3, kw: 3, stride: 1, quant: 1 }),
    dw({ H: 28, W: 28, C: 20, kh: 3, kw: 3, stride: 1, xOff: 3, yOff: 2 }), // channel slices of wider tensors
    dw({ H: 1, W: 1, C: 4, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 2, W: 1, C: 8, kh: 3, kw: 3, stride: 1 }),
    dw({ H: 7, W: 5, C: 12, kh: 3, kw: 3, stride: 1 }), // odd H: the last output row alone
    dw({ H: 14, W: 16, C: 16, kh: 3, kw: 3, stride: 1 }), // (H + 2)·W·64 = MAP_BYTES exactly: quad map
    dw({ H: 15, W: 16, C: 20, kh: 3, kw: 3, stride: 1 }), // one row more: the ring
    dw({ H: 3, W: 131, C: 12, kh: 3, kw: 3, stride: 1 }), // W = VMAXW, odd H
    dw({ H: 4, W: 131, C: 40, kh: 3, kw: 3, stride: 1, quant: 2 }),
    dw({ H: 3, W: 9, C: 4100, kh: 3, kw: 3, stride: 1 }), // more channels than one chunk (MAXC): 4096 + 4
    dw({ H: 6, W: 10, C: 16, kh: 3, kw: 3, stride: 1, edge: 'window' }), // the general store
    dw({ H: 6, W: 10, C: 24, kh: 3, kw: 3, stride: 1, edge: 'bound' }), // the lean store at its bound
  ],
  // its stride-2 form (same dot mode)
  depthwise_3x3s2_4x1_vnni_relaxed: [
    ...[4, 8, 12, 16, 20, 28, 36].map((C) => dw({ H: 7, W: 9, C, kh: 3, kw: 3, stride: 2 })), // every C % 16 tail, odd H and W: the padding column and row
    ...[4, 12, 24].map((C) => dw({ H: 8, W: 34, C, kh: 3, kw: 3, stride: 2, xOff: 0, xStride: C })), // dense rows, even W: a tail block's last pixel ends the input
    dw({ H: 112, W: 112, C: 48, kh: 3, kw: 3, stride: 2 }), // the network's largest 3×3 s2 (224² input)
    dw({ H: 28, W: 28, C: 240, kh: 3, kw: 3, stride: 2, quant: 1 }),
    dw({ H: 28, W: 28, C: 40, kh: 3, kw: 3, stride: 2, xOff: 3, yOff: 2 }), // channel slices of wider tensors
    dw({ H: 1, W: 1, C: 4, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 2, W: 2, C: 8, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 1, W: 5, C: 12, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 6, W: 1, C: 16, kh: 3, kw: 3, stride: 2 }),
    dw({ H: 3, W: 348, C: 12, kh: 3, kw: 3, stride: 2 }), // W = VMAXW2: the ring full
    dw({ H: 4, W: 347, C: 40, kh: 3, kw: 3, stride: 2, quant: 2 }),
    dw({ H: 3, W: 9, C: 4100, kh: 3, kw: 3, stride: 2 }), // more channels than one chunk (MAXC): 4096 + 4
    dw({ H: 6, W: 10, C: 16, kh: 3, kw: 3, stride: 2, edge: 'window' }), // the general store
    dw({ H: 7, W: 11, C: 24, kh: 3, kw: 3, stride: 2, edge: 'bound' }), // the lean store at its bound
  ],
  // the DFC's AVX-VNNI form (same dot mode); 5×1 the same cases transposed
  depthwise_1x5s1_4x1_vnni_relaxed: [
    ...[4, 8, 12, 16, 20, 28, 36].map((C) => dw({ H: 5, W: 7, C, kh: 1, kw: 5, stride: 1 })), // every C % 16 tail, odd line
    ...[4, 12, 24].map((C) => dw({ H: 6, W: 10, C, kh: 1, kw: 5, stride: 1, xOff: 0, xStride: C })), // dense: a tail block's last pixel ends the input
    dw({ H: 28, W: 28, C: 40, kh: 1, kw: 5, stride: 1 }), // the network's DFC maps (224² input)
    dw({ H: 14, W: 14, C: 240, kh: 1, kw: 5, stride: 1, quant: 1 }),
    dw({ H: 7, W: 7, C: 480, kh: 1, kw: 5, stride: 1, xOff: 3, yOff: 2 }), // channel slices of wider tensors
    dw({ H: 3, W: 4, C: 960, kh: 1, kw: 5, stride: 1 }), // the 3×3 maps' channels (3-pixel lines stay on line3)
    dw({ H: 1, W: 1, C: 4, kh: 1, kw: 5, stride: 1 }), // one pixel: taps 0, 1, 3, 4 on padding
    dw({ H: 2, W: 2, C: 8, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 4, W: 4, C: 12, kh: 1, kw: 5, stride: 1 }),
    dw({ H: 2, W: 1046, C: 12, kh: 1, kw: 5, stride: 1 }), // the longest line: one quad line fills the ring
    dw({ H: 3, W: 1045, C: 8, kh: 1, kw: 5, stride: 1, quant: 2 }),
    dw({ H: 100, W: 9, C: 16, kh: 1, kw: 5, stride: 1 }), // more lines than a batch of the ring
    dw({ H: 3, W: 9, C: 4100, kh: 1, kw: 5, stride: 1 }), // more channels than one chunk (MAXC): 4096 + 4
    dw({ H: 6, W: 10, C: 16, kh: 1, kw: 5, stride: 1, edge: 'window' }), // the general store
    dw({ H: 7, W: 11, C: 24, kh: 1, kw: 5, stride: 1, edge: 'bound' }), // the lean store at its bound
  ],
  depthwise_5x1s1_4x1_vnni_relaxed: [
    ...[4, 8, 12, 16, 20, 28, 36].map((C) => dw({ H: 7, W: 5, C, kh: 5, kw: 1, stride: 1 })), // every C % 16 tail, odd line
    ...[4, 12, 24].map((C) => dw({ H: 10, W: 6, C, kh: 5, kw: 1, stride: 1, xOff: 0, xStride: C })), // dense: a tail block's last pixel ends the input
    dw({ H: 28, W: 28, C: 40, kh: 5, kw: 1, stride: 1 }), // the network's DFC maps (224² input)
    dw({ H: 14, W: 14, C: 240, kh: 5, kw: 1, stride: 1, quant: 1 }),
    dw({ H: 7, W: 7, C: 480, kh: 5, kw: 1, stride: 1, xOff: 3, yOff: 2 }), // channel slices of wider tensors
    dw({ H: 4, W: 3, C: 960, kh: 5, kw: 1, stride: 1 }), // the 3×3 maps' channels (3-pixel lines stay on line3)
    dw({ H: 1, W: 1, C: 4, kh: 5, kw: 1, stride: 1 }), // one pixel: taps 0, 1, 3, 4 on padding
    dw({ H: 2, W: 2, C: 8, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 4, W: 4, C: 12, kh: 5, kw: 1, stride: 1 }),
    dw({ H: 1046, W: 2, C: 12, kh: 5, kw: 1, stride: 1 }), // the longest line: one quad line fills the ring
    dw({ H: 1045, W: 3, C: 8, kh: 5, kw: 1, stride: 1, quant: 2 }),
    dw({ H: 9, W: 100, C: 16, kh: 5, kw: 1, stride: 1 }), // more lines than a batch of the ring
    dw({ H: 9, W: 3, C: 4100, kh: 5, kw: 1, stride: 1 }), // more channels than one chunk (MAXC): 4096 + 4
    dw({ H: 10, W: 6, C: 16, kh: 5, kw: 1, stride: 1, edge: 'window' }), // the general store
    dw({ H: 11, W: 7, C: 24, kh: 5, kw: 1, stride: 1, edge: 'bound' }), // the lean store at its bound
  ],
};

const POINTWISE_SIMD128: Partial<Record<VariantName, VariantCase[]>> = {
  // the 4-pixel splat tile: full groups and their tails, pairs of it per block of weights (K padded to 8 ≤ 256, ≥ 8 pixels), a 9-pixel call's second tile
  pointwise_4x8_splat_simd128: [
    ...pwTile([4, 9, 13]),
    pw({ cin: 27, cout: 16, pixels: 13, xStride: 32 }), // the stem's K (14 of 16 pairs) after the pixel-lane tile's 8
    pw({ cin: 27, cout: 22, pixels: 19, xStride: 32 }), // the same in two 4-pixel tiles per block, then 3
    pw({ cin: 256, cout: 24, pixels: 16, yStride: 27, yOffset: 2 }), // K = PAIR_KMAX: two pairs of tiles
    pw({ cin: 257, cout: 16, pixels: 12 }), // one past PAIR_KMAX: single tiles
    pw({ cin: 160, cout: 44, pixels: 9, data: 'extreme' }), // the 3×3 maps' 160→960: 5 + 4 pixels
    pw({ cin: 72, cout: 8, pixels: 4, zp: -7, qmin: -20, qmax: 100 }),
  ],
  // the 5-pixel tile ('shuffle' form): full groups of 5 and their tails, pairs of it per block of weights
  // (K ≤ 256), the plain table; in either form the first tile of the 6..10-pixel int8 calls
  pointwise_5x8_simd128: [
    ...[6, 7, 8, 9, 10].map((pixels) => pw({ cin: 40, cout: 24, pixels, xStride: 43, xOffset: 3 })),
    pw({ cin: 1, cout: 13, pixels: 10, yStride: 15, yOffset: 1 }),
    pw({ cin: 27, cout: 16, pixels: 7, xStride: 32 }),
    pw({ cin: 3272, cout: 7, pixels: 9 }), // 5 · K padded to 8 · 2 bytes = 32720: the second tile still fits TABLE
    ...[5, 14, 23, 34].map((pixels) => pw({ cin: 160, cout: 29, pixels })), // pairs of 5-pixel tiles, then 5, then tails
    pw({ cin: 257, cout: 16, pixels: 13, data: 'extreme' }), // one past PAIR_KMAX: single tiles
    pw({ cin: 4096, cout: 13, pixels: 11, yStride: 15, yOffset: 1 }),
    pw({ cin: 27, cout: 16, pixels: 21, xStride: 32 }), // after the pixel-lane tile's 16
    ...[40, 41, 42, 43, 44].map((pixels) => pw({ cin: 16, cout: 24, pixels, zp: -7, qmin: -20, qmax: 100 })), // the plain table
  ],
  // the first pixels & ~7 of small-cout int8 calls; the rest take the c2x8 tiles in the same call
  pointwise_8x4_lanes_simd128: [
    pw({ cin: 1, cout: 4, pixels: 8 }),
    pw({ cin: 16, cout: 8, pixels: 16 }),
    pw({ cin: 16, cout: 12, pixels: 21, yStride: 15, yOffset: 1 }),
    pw({ cin: 27, cout: 16, pixels: 24, xStride: 32 }), // the stem GEMM
    pw({ cin: 72, cout: 20, pixels: 19, xStride: 75, xOffset: 3 }),
    pw({ cin: 48, cout: 12, pixels: 8, data: 'extreme' }),
    pw({ cin: 24, cout: 20, pixels: 12, zp: -7, qmin: -20, qmax: 100 }),
    pw({ cin: 249, cout: 4, pixels: 9 }), // K padded to 256 = LANES_KMAX, the table full
    pw({ cin: 121, cout: 16, pixels: 8 }), // the table full at 16 channels
  ],
  // the tiles on the per-call plain i16 table: every pixel tail (40..44 mod 5), channel tails, odd K, the table full
  pointwise_Mx8_plain_simd128: [
    ...[40, 41, 42, 43, 44].flatMap((pixels) => [pw({ cin: 16, cout: 24, pixels }), pw({ cin: 9, cout: 13, pixels, yStride: 15, yOffset: 1 })]),
    pw({ cin: 1, cout: 3, pixels: 46 }),
    pw({ cin: 24, cout: 36, pixels: 57, xStride: 27, xOffset: 3, zp: -7, qmin: -20, qmax: 100 }),
    pw({ cin: 40, cout: 120, pixels: 49, data: 'extreme' }),
    pw({ cin: 27, cout: 22, pixels: 45, xStride: 32 }),
    pw({ cin: 255, cout: 64, pixels: 41 }), // (cout/8) · 256 · 16 = 32768: the table full
    pw({ cin: 120, cout: 20, pixels: 51, yStride: 23, yOffset: 2 }),
  ],
  // tails of 4-pixel groups (after pairs of 4-pixel tiles at 11, 14, 17), and the second tile of an 8-, 7-, 6-pixel int8 call
  pointwise_3x8_simd128: [...pwTile([3, 11]), pw({ cin: 40, cout: 24, pixels: 8 })],
  pointwise_2x8_simd128: [...pwTile([2, 14]), pw({ cin: 40, cout: 24, pixels: 7 })],
  // 1 pixel: full blocks in fours (b, b + q, b + 2q, b + 3q; q = nf/4), the rest (0..3 blocks) as a pair
  // and a single, then the tail: nf 0..7, 125, 160, K 4096, channel tails of both tiles
  pointwise_1x8_simd128: [
    ...pwTile([1, 17]),
    pw({ cin: 40, cout: 24, pixels: 6 }),
    pw({ cin: 960, cout: 1280, pixels: 1 }),
    pw({ cin: 1280, cout: 1000, pixels: 1, f32: true }),
    pw({ cin: 33, cout: 16, pixels: 1, data: 'extreme' }),
    pw({ cin: 4096, cout: 20, pixels: 1 }),
    pw({ cin: 72, cout: 44, pixels: 17, yStride: 47, yOffset: 2 }),
    pw({ cin: 20, cout: 63, pixels: 5, f32: true }),
    pw({ cin: 24, cout: 32, pixels: 1 }),
    pw({ cin: 17, cout: 36, pixels: 1, data: 'extreme' }),
    pw({ cin: 40, cout: 48, pixels: 13 }),
    pw({ cin: 64, cout: 56, pixels: 1, f32: true }),
  ],
  pointwise_Mx4_simd128: [1, 2, 3, 4]
    .flatMap((cout) => [1, 2, 3, 4, 5, 6].map((pixels) => pw({ cin: 7 + cout, cout, pixels, f32: pixels === 6 })))
    .concat(pw({ cin: 33, cout: 12, pixels: 11, yStride: 13, yOffset: 3 })),
  pointwise_bigk_simd128: [pw({ cin: 4097, cout: 9, pixels: 3 }), pw({ cin: 4100, cout: 1, pixels: 1 }), pw({ cin: 4100, cout: 5, pixels: 2, f32: true })],
};

const POINTWISE_RELAXED: Partial<Record<VariantName, VariantCase[]>> = {
  // the AVX-VNNI form (run with relaxed_dot_mode(2), only where the runtime grants it)
  pointwise_4x8_vnni_relaxed: [
    ...pwTile([4, 8]),
    pw({ cin: 27, cout: 16, pixels: 12, xStride: 32 }), // the stem GEMM
    pw({ cin: 64, cout: 16, pixels: 8, data: 'extreme', wmin: -128 }), // x = -128 → 0, x = 127 → 255 unsigned; full int8 weights
    pw({ cin: 4096, cout: 16, pixels: 4, data: 'extreme', wmin: -128 }), // the largest K: |Σ| near 2^26
    pw({ cin: 3, cout: 4096, pixels: 4, f32: true }), // the most channels INIT holds
  ],
  pointwise_Mx8_vnni_relaxed: [...pwTile([5, 6, 7]), pw({ cin: 33, cout: 8, pixels: 7, data: 'extreme', wmin: -128 })],
  pointwise_Mx4_vnni_relaxed: [1, 2, 3, 4].flatMap((cout) => [4, 5, 6, 7].map((pixels) => pw({ cin: 13 + cout, cout, pixels, f32: pixels === 7 }))),
  pointwise_1x8_vnni_relaxed: [
    ...pwTile([1]),
    ...[1, 2, 3, 4, 5, 7, 8, 9].map((cout) => pw({ cin: 3 + 5 * cout, cout, pixels: 1, f32: cout % 2 === 1 })), // every channel tail
    pw({ cin: 960, cout: 1280, pixels: 1 }), // conv_head
    pw({ cin: 1280, cout: 10, pixels: 1, f32: true }), // the classifier
    pw({ cin: 17, cout: 16, pixels: 1, data: 'extreme', wmin: -128 }), // Σx at its extremes, w = -128 too
    pw({ cin: 4096, cout: 9, pixels: 1, data: 'extreme' }), // K at KMAX: 128·Σx = ±2^26
  ],
  pointwise_2x8_relaxed: pwTile([2, 4]),
  pointwise_1x8_relaxed: [...pwTile([1, 3]), pw({ cin: 960, cout: 1280, pixels: 1 })],
  pointwise_Mx4_relaxed: [1, 2, 3, 4].flatMap((cout) => [1, 2, 3].map((pixels) => pw({ cin: 13 + cout, cout, pixels, f32: pixels === 3 }))),
  pointwise_bigk_relaxed: [pw({ cin: 4097, cout: 9, pixels: 3 }), pw({ cin: 4100, cout: 5, pixels: 2, f32: true })],
};

const SEEDS_80 = Array.from({ length: 80 }, (_, i) => 0x5eed + i);
const sized = <S>(label: string, run: (h: Harness, seed: number, s: S) => void, shapes: S[]): VariantCase[] =>
  shapes.map((s) => ({ label: `${label} ${JSON.stringify(s)}`, run: (h, seed) => run(h, seed, s) }));
const seeded = (label: string, run: (h: Harness, seed: number) => void, seeds: number[]): VariantCase[] => seeds.map((seed) => ({ label: `${label} seed ${seed}`, run: (h) => run(h, seed) }));
/** gate_upsample_mul, dense (xStride = yStride = C) or strided (the tester picks strides > C). */
const gateUp = (s: UpsampleShape, dense: boolean): VariantCase => ({
  call: { W: s.W, C: s.C, xStride: dense ? s.C : s.C + 1, yStride: dense ? s.C : s.C + 1 },
  label: `gate_upsample_mul ${JSON.stringify(s)} ${dense ? 'dense' : 'strided'}`,
  run: (h, seed) => gateUpsampleCase(h, seed, s, dense),
});
/** Gate grids: 1x1, a ratio that never lands on a column boundary, the network's 2:1 (pooled, even and odd), 1:1. */
const GATE_SHAPES = [
  { H: 1, W: 1, gh: 1, gw: 1 },
  { H: 7, W: 5, gh: 3, gw: 2 },
  { H: 8, W: 8, gh: 4, gw: 4 },
  { H: 28, W: 28, gh: 14, gw: 14 },
  { H: 9, W: 11, gh: 4, gw: 5 },
  { H: 4, W: 9, gh: 4, gw: 9 },
];
/** Channel counts around the 16-channel step of the one-variant families. */
const C16 = [1, 15, 16, 17, 31, 33];

/** Stem shapes: 1×1 and 2×2 images (all padding), odd sizes (a last pixel without a pair, a bottom padding row), every channel tail of a 16-channel group, two groups, strided and offset outputs. */
const STEM_SHAPES: StemShape[] = [
  { H: 1, W: 1, cout: 16 },
  { H: 2, W: 2, cout: 16, data: 'extreme' },
  { H: 3, W: 5, cout: 1 },
  { H: 5, W: 3, cout: 4, yStride: 7, yOffset: 3 },
  { H: 7, W: 7, cout: 8 },
  { H: 4, W: 9, cout: 12, xOffset: 5 },
  { H: 9, W: 4, cout: 13, yStride: 16 },
  { H: 6, W: 6, cout: 17, data: 'bound' },
  { H: 11, W: 13, cout: 24 },
  { H: 8, W: 8, cout: 32, yStride: 40, yOffset: 1 },
  { H: 64, W: 64, cout: 16 },
  { H: 33, W: 31, cout: 16, data: 'extreme', qmin: -20, qmax: 30 },
];

const ONE_VARIANT: Partial<Record<VariantName, VariantCase[]>> = {
  im2col_3x3s2_simd128: sized('im2col', im2colShape, [
    { H: 1, W: 1 },
    { H: 2, W: 2 },
    { H: 3, W: 3, xOffset: 5 },
    { H: 2, W: 17, dstOffset: 3 },
    { H: 9, W: 1 },
    { H: 64, W: 64 },
    { H: 7, W: 33, xOffset: 1, dstOffset: 7 },
  ]),
  stem_3x3s2_2x16_simd128: sized('stem', stemShape, STEM_SHAPES),
  stem_3x3s2_im2col_relaxed: sized('stem', stemShape, STEM_SHAPES),
  avgpool2x2_16c_simd128: sized(
    'avgpool2x2',
    avgpool2x2Case,
    C16.flatMap((C) => [
      { H: 1, W: 1, C },
      { H: 3, W: 5, C },
      { H: 4, W: 2, C },
    ]),
  ),
  global_avgpool_16c_simd128: sized(
    'global_avgpool',
    globalAvgpoolCase,
    C16.flatMap((C) => [
      { pixels: 1, C },
      { pixels: 49, C },
      { pixels: 3137, C },
    ]),
  ),
  lut_u8_16x_swizzle_simd128: sized('lut_u8', (h, seed, n: number) => lutCase(h, seed, n), [1, 15, 16, 17, 255, 256, 4099]),
  gate_upsample_mul_rows_simd128: [1, 15, 17, 20, 33, 72].flatMap((C) => GATE_SHAPES.map((g) => gateUp({ ...g, C }, true))).concat(gateUp({ H: 3, W: 512, C: 20, gh: 2, gw: 256 }, true)), // W·C = GROW_MAX
  gate_upsample_mul_16c_simd128: [
    ...C16.flatMap((C) => GATE_SHAPES.map((g) => gateUp({ ...g, C }, false))), // strided
    ...[16, 32, 160].flatMap((C) => GATE_SHAPES.map((g) => gateUp({ ...g, C }, true))), // dense, C a multiple of 16
    gateUp({ H: 3, W: 513, C: 20, gh: 2, gw: 256 }, true), // one column past GROW_MAX
  ],
  channel_scale_16c_simd128: sized(
    'channel_scale',
    channelScaleCase,
    C16.flatMap((C) => [
      { pixels: 1, C },
      { pixels: 7, C },
    ]),
  ),
  add_16c_simd128: sized(
    'add',
    addCase,
    C16.flatMap((C) => [
      { pixels: 1, C, dense: true },
      { pixels: 5, C, dense: false },
      { pixels: 64, C, dense: true },
    ]),
  ),
  quantize_chw_16px_simd128: sized('quantize_chw', inputCase, [
    ...[1, 15, 16, 17, 47, 48, 49, 4099].map((n) => ({ n })),
    // the reference's loop (inv 0, 1e60: no f32 lim), and lim near f32's subnormal floor (1e-44 scales)
    ...[0, 1e60, 1 / Math.fround(1e-44), 1e47].map((inv) => ({ n: 49, inv })),
  ]),
  // The resampler's testers draw their own shapes (filter, C = 1/3, in/out sizes, windows) from a seed.
  resample_h_4tap_simd128: seeded('resample_h', resampleHCase, SEEDS_80),
  resample_v_16b_simd128: seeded('resample_v', resampleVCase, SEEDS_80),
  rgba_to_l_simd128: [
    ...seeded('rgba_to_l', rgbaToLCase, SEEDS_80),
    { label: 'rgba_to_l on rounding ties', run: rgbaToLTies },
    { label: "rgba_to_l on every RGB triple, against Pillow's formula", run: rgbaToLEveryTriple },
  ],
  quantize_hwc_48b_simd128: seeded('quantize_hwc', quantizeHwcCase, SEEDS_80),
};

/**
 * RGBA → L on the pixels whose weighted sum 19595r + 38470g + 7471b sits exactly on a rounding tie
 * (low 16 bits 0x8000): random pixels almost never do, so a wrong rounding constant would pass them.
 */
function rgbaToLTies(h: Harness): void {
  const ties: number[] = [];
  for (let r = 0; r < 256 && ties.length < 4 * 67; r += 3)
    for (let g = 0; g < 256 && ties.length < 4 * 67; g++) for (let b = 0; b < 256; b++) if (((19595 * r + 38470 * g + 7471 * b) & 0xffff) === 0x8000) ties.push(r, g, b, 255);
  const n = ties.length / 4;
  h.scoped(() => {
    const src = h.put(Uint8Array.from(ties));
    const y1 = h.out(n),
      y2 = h.out(n);
    h.fn('rgba_to_l')(src, n, y1);
    h.fn('rgba_to_l_reference')(src, n, y2);
    const d = firstDifference(h.bytes(y1, n + 32), h.bytes(y2, n + 32));
    if (n < 16 || d >= 0) throw new Error(`rgba_to_l on ${n} tie pixels: first difference at byte ${d}`);
  });
}

/**
 * RGBA → L on all 2^24 RGB triples (alpha varying), 65536 pixels a call (a multiple of the 16-pixel
 * step), against Pillow's own formula evaluated here in JS (libImaging/Convert.c L24:
 * (r·19595 + g·38470 + b·7471 + 0x8000) >> 16), and nothing stored past the end.
 */
function rgbaToLEveryTriple(h: Harness): void {
  const n = 65536;
  const rgba = new Uint8Array(4 * n);
  for (let r = 0; r < 256; r++) {
    for (let i = 0; i < n; i++) {
      rgba[4 * i] = r;
      rgba[4 * i + 1] = i >> 8;
      rgba[4 * i + 2] = i & 255;
      rgba[4 * i + 3] = (i * 37 + r) & 255;
    }
    h.scoped(() => {
      const src = h.put(rgba);
      const y = h.out(n);
      h.fn('rgba_to_l')(src, n, y);
      const got = h.bytes(y, n + 32);
      for (let i = 0; i < n; i++) {
        const want = (r * 19595 + (i >> 8) * 38470 + (i & 255) * 7471 + 0x8000) >>> 16;
        if (got[i] !== want) throw new Error(`rgba_to_l(${r}, ${i >> 8}, ${i & 255}) = ${got[i]}, Pillow's L = ${want}`);
      }
      for (let i = n; i < n + 32; i++) if (got[i] !== 0x5a) throw new Error(`rgba_to_l stored past its ${n} pixels (byte ${i})`);
    });
  }
}

/** The cases of every SIMD variant, by name (scalar variants are the references: their JS checks are per family). */
export const VARIANT_CASES: Partial<Record<VariantName, VariantCase[]>> = { ...DEPTHWISE, ...POINTWISE_SIMD128, ...POINTWISE_RELAXED, ...ONE_VARIANT };
