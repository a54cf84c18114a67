/**
 * A minimal, defensive zip reader for torch.save archives.
 *
 * We parse the central directory ourselves instead of calling fflate's unzipSync because that
 * extracts (and copies) every entry up front and trusts the declared sizes. Here:
 *  - entries are read on demand, and STORED entries (what torch.save writes) are zero-copy
 *    views into the input;
 *  - every offset and size is checked against the buffer before it is used;
 *  - DEFLATE entries (a re-zipped checkpoint) are inflated by fflate in small chunks into a
 *    buffer of the declared size, and abandoned as soon as they produce more than declared,
 *    so a zip bomb costs at most one chunk's expansion, not its full payload;
 *  - CRC-32 is verified, so a corrupted download fails here rather than as garbage weights.
 * ZIP64 is supported (torch writes ZIP64 end records even for small files).
 */
import { Inflate } from 'fflate';
import { crc32 } from '../../../worker/image/crc32.ts';
import { CheckpointError, LIMITS } from './errors.ts';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** True if the bytes start like a zip archive ("PK\x03\x04"). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function zipError(detail: string): CheckpointError {
  return new CheckpointError(`corrupt or truncated zip archive: ${detail}`);
}

export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly view: DataView;
  private inflatedBytes = 0;

  private constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readCentralDirectory();
  }

  static open(bytes: Uint8Array): ZipArchive {
    return new ZipArchive(bytes);
  }

  /** The entry's uncompressed bytes (a view into the input for STORED entries). */
  read(entry: ZipEntry): Uint8Array {
    const { name } = entry;
    if (entry.flags & 0x41) throw new CheckpointError(`zip entry ${name} is encrypted`);
    if (entry.size > LIMITS.maxEntryBytes) {
      throw new CheckpointError(`zip entry ${name} declares ${entry.size} bytes, over the ${LIMITS.maxEntryBytes}-byte limit`);
    }
    const local = entry.localHeaderOffset;
    if (local + 30 > this.bytes.length || this.u32(local) !== SIG_LOCAL) throw zipError(`bad local header for ${name}`);
    // Sizes come from the central directory: the local header's copy is zero when the writer
    // streamed the entry (flag bit 3), as PyTorch does.
    const start = local + 30 + this.u16(local + 26) + this.u16(local + 28);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) throw zipError(`entry ${name} runs past the end of the file`);
    const raw = this.bytes.subarray(start, end);

    let data: Uint8Array;
    if (entry.method === METHOD_STORED) {
      if (entry.compressedSize !== entry.size) throw zipError(`stored entry ${name} has inconsistent sizes`);
      data = raw;
    } else if (entry.method === METHOD_DEFLATE) {
      data = this.inflate(raw, entry);
    } else {
      throw new CheckpointError(`zip entry ${name} uses unsupported compression method ${entry.method}`);
    }
    if (crc32(data) !== entry.crc32) throw zipError(`CRC mismatch in ${name}`);
    return data;
  }

  private inflate(raw: Uint8Array, entry: ZipEntry): Uint8Array {
    if (this.inflatedBytes + entry.size > LIMITS.maxInflatedBytes) {
      throw new CheckpointError(`zip entries decompress to more than ${LIMITS.maxInflatedBytes} bytes`);
    }
    this.inflatedBytes += entry.size;
    const out = new Uint8Array(entry.size);
    let written = 0;
    const inflater = new Inflate((chunk) => {
      if (written + chunk.length > out.length) {
        throw new CheckpointError(`zip entry ${entry.name} decompresses to more than its declared ${entry.size} bytes`);
      }
      out.set(chunk, written);
      written += chunk.length;
    });
    // 64 KiB of DEFLATE input expands to at most ~64 MiB, bounding the work done per step.
    const CHUNK = 64 * 1024;
    try {
      for (let p = 0; p < raw.length || p === 0; p += CHUNK) {
        inflater.push(raw.subarray(p, Math.min(p + CHUNK, raw.length)), p + CHUNK >= raw.length);
      }
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw zipError(`cannot decompress ${entry.name} (${(e as Error).message})`);
    }
    if (written !== entry.size) throw zipError(`entry ${entry.name} decompresses to ${written} bytes, expected ${entry.size}`);
    return out;
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const len = this.bytes.length;
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (this.u16(eocd + 4) !== 0 || this.u16(eocd + 6) !== 0) throw new CheckpointError('multi-part zip archives are not supported');

    let cdLimit = eocd; // the central directory must end before the record that points to it
    const locator = eocd - 20;
    if (locator >= 0 && this.u32(locator) === SIG_ZIP64_LOCATOR) {
      const z = this.u64(locator + 8);
      if (z + 56 > locator || this.u32(z) !== SIG_ZIP64_EOCD) throw zipError('bad ZIP64 end record');
      count = this.u64(z + 32);
      cdSize = this.u64(z + 40);
      cdOffset = this.u64(z + 48);
      cdLimit = z;
    }
    if (count > LIMITS.maxZipEntries) throw new CheckpointError(`zip archive has too many entries (${count})`);
    if (cdOffset + cdSize > cdLimit || cdOffset + cdSize > len) throw zipError('central directory is out of bounds');

    const entries = new Map<string, ZipEntry>();
    const names = new TextDecoder('utf-8');
    let p = cdOffset;
    const cdEnd = cdOffset + cdSize;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdEnd || this.u32(p) !== SIG_CENTRAL) throw zipError('bad central directory entry');
      const nameLen = this.u16(p + 28);
      const extraLen = this.u16(p + 30);
      const commentLen = this.u16(p + 32);
      const next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cdEnd) throw zipError('central directory entry is out of bounds');
      const name = names.decode(this.bytes.subarray(p + 46, p + 46 + nameLen));
      let compressedSize = this.u32(p + 20);
      let size = this.u32(p + 24);
      let localHeaderOffset = this.u32(p + 42);
      // ZIP64 extended information: the 64-bit values of whichever fields are saturated.
      for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
        const id = this.u16(x);
        const dataLen = this.u16(x + 2);
        const dataEnd = x + 4 + dataLen;
        if (dataEnd > p + 46 + nameLen + extraLen) throw zipError(`bad extra field in ${name}`);
        if (id === 0x0001) {
          let q = x + 4;
          const take = (): number => {
            if (q + 8 > dataEnd) throw zipError(`short ZIP64 field in ${name}`);
            const v = this.u64(q);
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
        }
        x = dataEnd;
      }
      if (entries.has(name)) throw new CheckpointError(`zip archive has two entries named ${name}`);
      entries.set(name, {
        name,
        flags: this.u16(p + 8),
        method: this.u16(p + 10),
        crc32: this.u32(p + 16),
        compressedSize,
        size,
        localHeaderOffset,
      });
      p = next;
    }
    return entries;
  }

  /** The End Of Central Directory record: the last 22 bytes, or earlier if there is a comment. */
  private findEocd(): number {
    const len = this.bytes.length;
    const lowest = Math.max(0, len - EOCD_SIZE - 0xffff);
    for (let p = len - EOCD_SIZE; p >= lowest; p--) {
      if (this.u32(p) === SIG_EOCD && p + EOCD_SIZE + this.u16(p + 20) <= len) return p;
    }
    throw zipError('end of central directory not found');
  }

  private u16(p: number): number {
    return this.view.getUint16(p, true);
  }

  private u32(p: number): number {
    return this.view.getUint32(p, true);
  }

  private u64(p: number): number {
    const v = this.view.getUint32(p, true) + this.view.getUint32(p + 4, true) * 2 ** 32;
    if (!Number.isSafeInteger(v)) throw zipError('64-bit field out of range');
    return v;
  }
}
