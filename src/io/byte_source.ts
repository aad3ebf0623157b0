// Random-access byte sources. Parsers pull bytes on demand, so a file of any size
// (BERG weights are ~860 MB) is read piece by piece instead of into one buffer.

import { BergError } from '../core/errors.ts';

export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Human-readable name for error messages (a path or file name). */
  readonly name: string;
  /**
   * Bytes [offset, offset + length), clipped at the end of the source. The result
   * belongs to the caller: it is a fresh buffer (byteOffset 0) that may be kept and modified.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Bytes already in memory (tests, small files). read() copies so results stay caller-owned. */
export function memoryByteSource(bytes: Uint8Array, name = 'memory'): ByteSource {
  return {
    size: bytes.length,
    name,
    read: async (offset, length) => bytes.slice(offset, Math.min(bytes.length, offset + length)),
  };
}

/** A browser Blob or File (dropped files): each read is one File.slice().arrayBuffer(). */
export function blobByteSource(blob: Blob, name?: string): ByteSource {
  return {
    size: blob.size,
    name: name ?? ((blob as File).name || 'blob'),
    read: async (offset, length) => {
      const end = Math.min(blob.size, offset + length);
      return new Uint8Array(await blob.slice(offset, end).arrayBuffer());
    },
  };
}

/**
 * Wraps a source and reports every read to `observe` (hashing while parsing, tests
 * that check how much is read at once).
 */
export function observedByteSource(
  src: ByteSource,
  observe: (offset: number, bytes: Uint8Array) => void,
): ByteSource {
  return {
    size: src.size,
    name: src.name,
    read: async (offset, length) => {
      const bytes = await src.read(offset, length);
      observe(offset, bytes);
      return bytes;
    },
    close: src.close ? () => src.close!() : undefined,
  };
}

export type ProgressCallback = (bytesRead: number, totalBytes: number) => void;

/**
 * Sequential reader over a ByteSource with a bounded read-ahead buffer. Small reads
 * come from the buffer; large ones go straight to the source into a fresh buffer,
 * so memory stays at (read-ahead + the one payload being read).
 */
export class SequentialReader {
  private buf = new Uint8Array(0);
  private bufStart = 0; // file offset of buf[0]
  private bufPos = 0; // read position inside buf
  private readonly window: number;
  private lastReported = -1;

  constructor(
    readonly src: ByteSource,
    start = 0,
    opts: { readAhead?: number; onProgress?: ProgressCallback; what?: string } = {},
  ) {
    this.bufStart = start;
    this.window = Math.max(16, opts.readAhead ?? 4 << 20);
    this.onProgress = opts.onProgress;
    this.what = opts.what ?? 'data';
  }

  private readonly onProgress?: ProgressCallback;
  /** What is being read, for truncation messages ("the pickle", "the .npy header"). */
  what: string;

  /** Current file offset. */
  get position(): number {
    return this.bufStart + this.bufPos;
  }

  get size(): number {
    return this.src.size;
  }

  private truncated(inside: string, need: number): Error {
    return new TruncatedError(
      `${this.src.name}: the file ends inside ${inside} at byte ${this.src.size} ` +
        `(needed ${need} more byte${need === 1 ? '' : 's'} from byte ${this.position}): ` +
        `the file is truncated, download it again`,
    );
  }

  /** Calls onProgress with the current position (if it moved). */
  report(): void {
    if (!this.onProgress) return;
    const p = this.position;
    if (p !== this.lastReported) {
      this.lastReported = p;
      this.onProgress(p, this.src.size);
    }
  }

  /** Makes at least n bytes available in the buffer (n <= window). */
  private async fill(n: number, inside: string): Promise<void> {
    const have = this.buf.length - this.bufPos;
    if (have >= n) return;
    const fileEnd = this.bufStart + this.buf.length;
    const want = Math.max(n - have, Math.min(this.window, this.src.size - fileEnd));
    const more = want > 0 ? await this.src.read(fileEnd, want) : new Uint8Array(0);
    const next = new Uint8Array(have + more.length);
    next.set(this.buf.subarray(this.bufPos), 0);
    next.set(more, have);
    this.bufStart += this.bufPos;
    this.buf = next;
    this.bufPos = 0;
    if (next.length < n) throw this.truncated(inside, n - next.length);
  }

  /** n bytes as a view into the read-ahead buffer; valid until the next read. n must be small. */
  async peekView(n: number, inside: string): Promise<Uint8Array> {
    await this.fill(n, inside);
    return this.buf.subarray(this.bufPos, this.bufPos + n);
  }

  /** Next n bytes as a view into the read-ahead buffer (valid until the next read). */
  async view(n: number, inside: string): Promise<Uint8Array> {
    if (n > this.window) throw new Error(`internal: view(${n}) larger than the read-ahead window`);
    await this.fill(n, inside);
    const v = this.buf.subarray(this.bufPos, this.bufPos + n);
    this.bufPos += n;
    this.report();
    return v;
  }

  async u8(inside: string): Promise<number> {
    if (this.bufPos >= this.buf.length) await this.fill(1, inside);
    const v = this.buf[this.bufPos++];
    return v;
  }

  /**
   * Next n bytes in a fresh, caller-owned buffer (byteOffset 0, so any typed array
   * view of it is aligned). Large n reads from the source directly.
   */
  async take(n: number, inside: string): Promise<Uint8Array> {
    if (n <= this.window) {
      const v = await this.view(n, inside);
      return v.slice();
    }
    const remaining = this.src.size - this.position;
    if (n > remaining) throw this.truncated(inside, n - remaining);
    const have = this.buf.length - this.bufPos;
    const fromBuf = this.buf.subarray(this.bufPos);
    const rest = n - have;
    const fileOffset = this.bufStart + this.buf.length;
    let out: Uint8Array;
    if (have === 0) {
      out = await this.src.read(fileOffset, rest);
      if (out.byteOffset !== 0 || out.buffer.byteLength !== out.length) out = out.slice();
    } else {
      out = new Uint8Array(n);
      out.set(fromBuf, 0);
      out.set(await this.src.read(fileOffset, rest), have);
    }
    if (out.length !== n) throw this.truncated(inside, n - out.length);
    this.bufStart = fileOffset + rest;
    this.buf = new Uint8Array(0);
    this.bufPos = 0;
    this.report();
    return out;
  }

  /** Skips n bytes without keeping them. */
  async skip(n: number, inside: string): Promise<void> {
    while (n > 0) {
      const k = Math.min(n, this.window);
      await this.view(k, inside);
      n -= k;
    }
  }

  atEnd(): boolean {
    return this.position >= this.src.size;
  }
}

/** The input ended early. */
export class TruncatedError extends BergError {
  constructor(message: string) {
    super(message, 'TruncatedError');
  }
}
