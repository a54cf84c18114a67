/**
 * The one error type the checkpoint readers throw, and the size limits they enforce.
 *
 * A checkpoint is untrusted input (downloaded from a model zoo, a colleague, an issue
 * attachment). Every malformed, hostile or unsupported file must end in a CheckpointError
 * with a one-line message a user can act on — never a TypeError, an out-of-bounds read or a
 * multi-gigabyte allocation.
 */

/**
 * A one-line, user-facing reason why a checkpoint cannot be read. Messages quote names taken
 * from the file (globals, keys, zip entries), so control characters are escaped — a hostile
 * name can't break the line or send terminal escape sequences — and the length is capped.
 */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'CheckpointError';
  }
}

const MAX_MESSAGE = 500;

function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  const escaped = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > MAX_MESSAGE ? `${escaped.slice(0, MAX_MESSAGE)}…` : escaped;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Hard limits. GhostNetV2 1.0 is ~6.2M parameters (~25 MB as float32); the limits leave two
 * orders of magnitude of headroom while keeping a hostile file from exhausting memory.
 */
export const LIMITS = {
  /** Largest checkpoint file we accept. */
  maxInputBytes: 2 * GiB,
  /** Largest single zip entry (after decompression). */
  maxEntryBytes: 2 * GiB,
  /** Sum of every zip entry we decompress (stored entries are zero-copy and don't count). */
  maxInflatedBytes: 2 * GiB,
  /** Sum of every float32 tensor we hand back. */
  maxOutputBytes: 2 * GiB,
  /** data.pkl of a state_dict is ~100 bytes per tensor; anything near this is not a state_dict. */
  maxPickleBytes: 256 * MiB,
  /** The safetensors format itself caps its JSON header at 100 MB. */
  maxSafetensorsHeaderBytes: 100 * MiB,
  /** Entries in a zip's central directory. */
  maxZipEntries: 1_000_000,
  /** Tensor rank (PyTorch's own limit is 64). */
  maxDims: 64,
} as const;
