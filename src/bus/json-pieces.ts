/**
 * A JSON text kept as the pieces it is made of (a list reply: its records' cached JSON, the
 * JSON-RPC head and tail around them). Sent as bytes written piece by piece into one buffer, never
 * joined into one large string first: V8 makes each string of a few hundred kilobytes in its
 * large-object space, and making one (the joined text, its base64, the envelope around it) cost
 * more than the copying itself.
 */
export class JsonPieces {
  constructor(readonly pieces: readonly string[]) {}

  /** The UTF-8 bytes of the whole text. */
  toBuffer(): Buffer {
    let size = 0;
    for (const piece of this.pieces) size += Buffer.byteLength(piece);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const piece of this.pieces) at += out.write(piece, at);
    return out;
  }

  toString(): string {
    return this.pieces.join("");
  }
}

/** A JSON text as one string or as pieces. */
export type JsonText = string | JsonPieces;

/** Bytes per base64 chunk: a multiple of 3, so the chunks' base64 texts join without padding. */
const BASE64_CHUNK = 3 * 16 * 1024;

/** The base64 length of `bytes` bytes. */
export const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/**
 * Writes the base64 of `source` into `out` at `at` and returns where it ended. Chunk by chunk, so
 * each intermediate string stays small (young generation) instead of one large base64 string.
 */
export function writeBase64(source: Buffer, out: Buffer, at: number): number {
  let end = at;
  for (let i = 0; i < source.length; i += BASE64_CHUNK) {
    const chunk = source.toString("base64", i, Math.min(source.length, i + BASE64_CHUNK));
    end += out.write(chunk, end, "latin1");
  }
  return end;
}
