// pointwise — 1x1 convolution as an int8 GEMM. The scalar definition (docs/KERNELS.md):
//   acc[p][o] = bias[o] + Σ_{k<cin} w[o][k] * x[p*xStride + k]        exact int32
//   y[p*yStride + o] = requant(acc, scale[o], zpOut, qmin, qmax)      (pointwise)
//   y[p*yStride + o] = f32(acc) * scale[o]                            (pointwise_f32, y and yStride in f32 units)
// Weights are plain int8 [cout][cin]. Plain loops, no tricks: this is the spec.
import { requant } from '../../requant';

export function pointwise_reference(
  x: usize, pixels: i32, cin: i32, xStride: i32, w: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32, zpOut: i32, qmin: i32, qmax: i32,
): void {
  for (let p = 0; p < pixels; p++) {
    const xp = x + <usize>p * <usize>xStride;
    const yp = y + <usize>p * <usize>yStride;
    for (let o = 0; o < cout; o++) {
      const wo = w + <usize>o * <usize>cin;
      let acc = load<i32>(bias + (<usize>o << 2));
      for (let k = 0; k < cin; k++) {
        acc += <i32>load<i8>(wo + <usize>k) * <i32>load<i8>(xp + <usize>k);
      }
      store<i8>(yp + <usize>o, <i8>requant(acc, load<f32>(scale + (<usize>o << 2)), zpOut, qmin, qmax));
    }
  }
}

export function pointwise_f32_reference(
  x: usize, pixels: i32, cin: i32, xStride: i32, w: usize, bias: usize, scale: usize,
  cout: i32, y: usize, yStride: i32,
): void {
  for (let p = 0; p < pixels; p++) {
    const xp = x + <usize>p * <usize>xStride;
    const yp = y + ((<usize>p * <usize>yStride) << 2);
    for (let o = 0; o < cout; o++) {
      const wo = w + <usize>o * <usize>cin;
      let acc = load<i32>(bias + (<usize>o << 2));
      for (let k = 0; k < cin; k++) {
        acc += <i32>load<i8>(wo + <usize>k) * <i32>load<i8>(xp + <usize>k);
      }
      store<f32>(yp + (<usize>o << 2), <f32>acc * load<f32>(scale + (<usize>o << 2)));
    }
  }
}

/** The scalar build's packed layout is the plain one: [cout][cin] int8. */
export function pointwise_packed_size_plain(cin: i32, cout: i32): i32 {
  return cin * cout;
}

export function pointwise_pack_plain(w: usize, cin: i32, cout: i32, dst: usize): void {
  memory.copy(dst, w, <usize>cin * <usize>cout);
}

export function pointwise_unpack_plain(packed: usize, cin: i32, cout: i32, w: usize): void {
  memory.copy(w, packed, <usize>cin * <usize>cout);
}
