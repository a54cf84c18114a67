/**
 * Checkpoint readers: PyTorch checkpoint bytes → a flat float32 state_dict, in TypeScript,
 * without Python and without executing anything from the file.
 *
 * Supported containers, detected from the bytes (not the file name):
 *  - torch.save zip archives (PyTorch >= 1.6; `.pth`, `.pt`, `.pth.tar`, `.bin`, ...);
 *  - safetensors.
 * The legacy pre-1.6 torch.save format is recognised and refused with instructions.
 */
import { CheckpointError, LIMITS } from './errors.ts';
import { normalizeStateDict, type StateDict, type Tensor } from './normalize.ts';
import { looksLikeSafetensors, readSafetensors } from './safetensors.ts';
import { readTorchZip } from './torch-zip.ts';
import { isZip } from './zip.ts';

export { CheckpointError, LIMITS };
export type { StateDict, Tensor };

/**
 * Reads a checkpoint. Throws CheckpointError (one line, user-facing, prefixed with fileName if
 * given) for anything malformed, hostile or unsupported.
 */
export function readCheckpoint(bytes: Uint8Array, fileName?: string): StateDict {
  try {
    return normalizeStateDict(readContainer(bytes));
  } catch (e) {
    const where = fileName ? `${fileName}: ` : '';
    if (e instanceof CheckpointError) throw new CheckpointError(where + e.message);
    // Every expected failure is a CheckpointError; anything else is a reader bug, but the file
    // is still what triggered it, so report it the same way rather than with a stack trace.
    throw new CheckpointError(`${where}cannot read checkpoint (${e instanceof Error ? e.message : String(e)})`);
  }
}

function readContainer(bytes: Uint8Array): unknown {
  if (bytes.length > LIMITS.maxInputBytes) {
    throw new CheckpointError(`checkpoint is ${bytes.length} bytes, over the ${LIMITS.maxInputBytes}-byte limit`);
  }
  if (isZip(bytes)) return readTorchZip(bytes);
  if (looksLikeSafetensors(bytes)) return readSafetensors(bytes);
  if (isLegacyTorch(bytes)) {
    throw new CheckpointError("checkpoint uses PyTorch's legacy (pre-1.6, non-zip) torch.save format, which is not supported; " + 're-save it with torch>=1.6: torch.save(torch.load(path), new_path)');
  }
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new CheckpointError('file is a plain Python pickle, not a torch.save zip archive or safetensors file');
  }
  throw new CheckpointError('not a recognised checkpoint: expected a torch.save zip archive or a safetensors file');
}

/**
 * Legacy torch.save starts with a pickle (0x80 = PROTO) whose first value is the magic number
 * 0x1950a86a20f9469cfc6c (LONG1, 10 bytes), possibly after a protocol-4 FRAME header; the even
 * older tar-based format has a tar header ("ustar" at offset 257).
 */
function isLegacyTorch(bytes: Uint8Array): boolean {
  const MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  if (bytes[0] === 0x80) {
    for (let at = 2; at <= 11 && at + MAGIC.length <= bytes.length; at++) {
      if (MAGIC.every((b, i) => bytes[at + i] === b)) return true;
    }
  }
  const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72];
  return bytes.length >= 262 && USTAR.every((b, i) => bytes[257 + i] === b);
}
