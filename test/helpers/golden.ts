/** Reading the Pillow/torchvision golden arrays (.npy, uint8 HWC or float32 CHW) and comparing against them. */

/** Minimal .npy (v1/v2) reader for the two dtypes the golden scripts write: '|u1' and '<f4'. */
export function readGoldenNpy(bytes: Uint8Array): { shape: number[]; data: Uint8Array | Float32Array } {
  const major = bytes[6];
  const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  const off = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(off, off + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = bytes.slice(off + hlen);
  if (descr === '|u1') return { shape, data: body };
  if (descr === '<f4') return { shape, data: new Float32Array(body.buffer, body.byteOffset, body.length / 4) };
  throw new Error(`unexpected npy dtype ${descr}`);
}

/** Mean and max absolute difference of two equally long arrays (throws if the lengths differ). */
export function meanMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { mae: number; max: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let sum = 0,
    max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mae: sum / a.length, max };
}
