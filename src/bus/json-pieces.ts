/**
 * A JSON text kept as the pieces it is made of (a list reply: its records' cached JSON, the
 * JSON-RPC head and tail around them). Sent as bytes written piece by piece, never joined into one
 * large string first: V8 makes each string of a few hundred kilobytes in its large-object space,
 * and making one (the joined text, its base64, the envelope around it) cost more than the copying.
 */
import type { ByteChunks } from "./byte-chunks.js";

export class JsonPieces {
  constructor(readonly pieces: readonly string[]) {}

  /** Its size in UTF-8 bytes. */
  byteLength(): number {
    let size = 0;
    for (const piece of this.pieces) size += Buffer.byteLength(piece);
    return size;
  }

  /** The UTF-8 bytes of the whole text. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.byteLength());
    let at = 0;
    for (const piece of this.pieces) at += out.write(piece, at);
    return out;
  }

  /**
   * Writes the base64 of its UTF-8 bytes: the pieces go into a small buffer, whose whole groups of
   * three bytes are encoded each time it fills, so no intermediate string or buffer is large.
   */
  writeBase64(out: ByteChunks): void {
    const block = out.scratch();
    let fill = 0;
    const flush = (final: boolean) => {
      const whole = final ? fill : fill - (fill % 3);
      out.latin1(block.toString("base64", 0, whole));
      block.copy(block, 0, whole, fill);
      fill -= whole;
    };
    for (const piece of this.pieces) {
      const size = Buffer.byteLength(piece);
      if (size <= BASE64_BLOCK - 2) {
        if (fill + size > BASE64_BLOCK) flush(false);
        fill += block.write(piece, fill);
        continue;
      }
      const bytes = Buffer.from(piece, "utf8");
      for (let i = 0; i < bytes.length; ) {
        if (fill === BASE64_BLOCK) flush(false);
        const n = Math.min(BASE64_BLOCK - fill, bytes.length - i);
        fill += bytes.copy(block, fill, i, i + n);
        i += n;
      }
    }
    flush(true);
  }

  toString(): string {
    return this.pieces.join("");
  }
}

/** A JSON text as one string or as pieces. */
export type JsonText = string | JsonPieces;

/**
 * Bytes encoded at a time: a multiple of 3 (the texts join without padding), 64 KB of base64, and
 * no more than a scratch chunk holds.
 */
const BASE64_BLOCK = 3 * 16 * 1024;

/** The base64 length of `bytes` bytes. */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);
