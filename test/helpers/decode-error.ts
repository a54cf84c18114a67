import { expect } from 'vitest';
import { decodeImage } from '../../worker/image/decode.ts';
import { ImageError } from '../../worker/image/errors.ts';

/** Decoding `bytes` must fail with an ImageError of `status` whose message matches `reason`. */
export async function expectDecodeError(bytes: Uint8Array, status: number, reason: RegExp): Promise<void> {
  const err = await decodeImage(bytes).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  expect(err.status).toBe(status);
  expect(err.message).toMatch(reason);
}

/** Index of the first element where `a` and `b` differ, or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}
