/**
 * The engine build's exports as the engine calls them (assembly/index.ts; contracts in
 * docs/KERNELS.md). Ops name the kernels they call (ops/op.ts `kernels`) and get only those.
 */

/** The arena and build identity every engine build exports. */
export interface ArenaExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(to: number): void;
  variant(): number;
  pack_layout_version(): number;
}

/** The kernels (and weight packers) the engine calls. */
export interface Kernels {
  pointwise_packed_size(cin: number, cout: number): number;
  pointwise_pack(w: number, cin: number, cout: number, dst: number): void;
  quantize_chw(x: number, n: number, inv: number, zp: number, y: number): void;
  pointwise(x: number, pixels: number, cin: number, xStride: number, packed: number, bias: number, scale: number, cout: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  pointwise_f32(x: number, pixels: number, cin: number, xStride: number, packed: number, bias: number, scale: number, cout: number, y: number, yStride: number): void;
  im2col_3x3s2(x: number, h: number, w: number, zpIn: number, dst: number): void;
  depthwise_packed_size(c: number, kh: number, kw: number): number;
  depthwise_pack(w: number, c: number, kh: number, kw: number, dst: number): void;
  depthwise(x: number, h: number, w: number, c: number, xStride: number, packed: number, bias: number, scale: number, kh: number, kw: number, stride: number, zpIn: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  avgpool2x2(x: number, h: number, w: number, c: number, xStride: number, zpIn: number, scale: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  global_avgpool(x: number, pixels: number, c: number, xStride: number, zpIn: number, scale: number, y: number, zpOut: number): void;
  lut_u8(x: number, n: number, lut: number, y: number): void;
  gate_upsample_mul(x: number, h: number, w: number, c: number, xStride: number, zpX: number, g: number, gh: number, gw: number, scale: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  channel_scale(x: number, pixels: number, c: number, xStride: number, zpX: number, g: number, scale: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
  add(a: number, pixels: number, c: number, aStride: number, zpA: number, mA: number, b: number, bStride: number, zpB: number, mB: number, y: number, yStride: number, zpOut: number, qmin: number, qmax: number): void;
}

export type KernelExports = ArenaExports & Kernels;
export type KernelName = keyof Kernels;
