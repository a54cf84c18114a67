/**
 * Request bodies as streams of a chosen kind, for the body-reading tests (worker/middleware/body.ts):
 * a byte stream (which a BYOB reader can read into its own buffer) or a default one.
 */
export type StreamKind = 'bytes' | 'default';

/** `bytes` in pieces of `chunk` bytes; `sent()` says how far the stream was read. */
export function streamOf(bytes: Uint8Array, kind: StreamKind, chunk: number): { stream: ReadableStream<Uint8Array>; sent: () => number } {
  let off = 0;
  const next = () => bytes.slice(off, (off += chunk));
  const stream =
    kind === 'bytes'
      ? new ReadableStream({
          type: 'bytes',
          pull(ctrl) {
            if (off >= bytes.length) {
              ctrl.close();
              ctrl.byobRequest?.respond(0);
            } else ctrl.enqueue(next());
          },
        })
      : new ReadableStream<Uint8Array>({
          pull(ctrl) {
            if (off >= bytes.length) ctrl.close();
            else ctrl.enqueue(next());
          },
        });
  return { stream: stream as ReadableStream<Uint8Array>, sent: () => Math.min(off, bytes.length) };
}
