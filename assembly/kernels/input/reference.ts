// Input quantization — the scalar definition (docs/KERNELS.md, "input"): a normalized CHW f32 image
// (n pixels per plane, 3 planes) → the NHWC int8 input tensor:
//   y[p*3 + c] = clamp(round_half_even(f64(x[c*n + p]) * inv) + zp, -128, 127)
// in f64, where inv = 1/scale as a double (the arithmetic of the JS loop this replaced). Clamping the
// product to [-128 - zp, 127 - zp] before rounding is exact (integer bounds); NaN gives zp.

export function quantize_chw_reference(x: usize, n: i32, inv: f64, zp: i32, y: usize): void {
  for (let c = 0; c < 3; c++) quantize_plane(x + (<usize>(c * n) << 2), n, inv, zp, y + <usize>c);
}

/** m pixels of one plane into every third byte of y. */
export function quantize_plane(x: usize, m: i32, inv: f64, zp: i32, y: usize): void {
  const lo = <f64>(-128 - zp);
  const hi = <f64>(127 - zp);
  for (let p = 0; p < m; p++) {
    let v = <f64>load<f32>(x + (<usize>p << 2)) * inv;
    v = v < lo ? lo : v > hi ? hi : v; // NaN stays NaN, and i32(NaN) is 0 (trunc_sat)
    store<i8>(y + <usize>(p * 3), <i8>(<i32>f64.nearest(v) + zp));
  }
}
