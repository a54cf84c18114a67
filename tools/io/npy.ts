/** Minimal NumPy .npy reader/writer for float32 C-order arrays (format versions 1-3). */

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

export class NpyError extends Error {}

export function readNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new NpyError('not a .npy file');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new NpyError('.npy header is truncated');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4') throw new NpyError(`.npy dtype must be float32 ('<f4'), got ${descr}`);
  if (fortran !== 'False') throw new NpyError('.npy must be C-ordered');
  if (shapeText === undefined) throw new NpyError('.npy header has no shape');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < count * 4) throw new NpyError(`.npy data is truncated: shape [${shape}] needs ${count * 4} bytes`);
  const data = new Float32Array(bytes.slice(dataStart, dataStart + count * 4).buffer);
  return { shape, data };
}

export function writeNpy(arr: NpyArray): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${arr.shape.join(', ')}${arr.shape.length === 1 ? ',' : ''}), }`;
  const pad = 16 - ((10 + header.length + 1) % 16);
  header += ' '.repeat(pad % 16) + '\n';
  const out = new Uint8Array(10 + header.length + arr.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), 10 + header.length);
  return out;
}
