/**
 * A JPEG with a COM segment holding `text` inserted right after SOI: different bytes (so a new
 * result-cache key), the same pixels (decoders skip comments). Used on both sides of the
 * result-cache tests (the Node origin and workerd), so it needs nothing but Uint8Array.
 */
export function withJpegComment(jpeg: Uint8Array, text: string): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const body = new TextEncoder().encode(text);
  const len = body.length + 2;
  const out = new Uint8Array(jpeg.length + 2 + len);
  out.set(jpeg.subarray(0, 2), 0);
  out.set([0xff, 0xfe, len >> 8, len & 0xff], 2);
  out.set(body, 6);
  out.set(jpeg.subarray(2), 6 + body.length);
  return out;
}
