/**
 * Bytes built in chunks of 64 KB instead of one large buffer: a fresh buffer of a few hundred
 * kilobytes is mapped anew by the allocator and page-faulted in on every use (that was most of the
 * cost of sending a list of a thousand records), while chunks this size come from memory the
 * allocator reuses.
 */
export const CHUNK_BYTES = 64 * 1024;

export class ByteChunks {
  private readonly done: Buffer[] = [];
  private current = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  /** A text of one-byte characters (base64, ASCII framing), split across chunks as needed. */
  latin1(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      if (this.used === this.current.length) this.next();
      const n = Math.min(this.current.length - this.used, rest.length);
      this.used += this.current.write(rest, this.used, n, "latin1");
      rest = n === rest.length ? "" : rest.slice(n);
    }
  }

  /** Any text, as UTF-8; never split (a text longer than a chunk gets a buffer of its own). */
  utf8(text: string): void {
    const size = Buffer.byteLength(text);
    if (size > this.current.length - this.used) {
      if (size > CHUNK_BYTES) {
        this.next();
        this.done.push(Buffer.from(text, "utf8"));
        return;
      }
      this.next();
    }
    this.used += this.current.write(text, this.used);
  }

  private next(): void {
    if (this.used > 0) this.done.push(this.current.subarray(0, this.used));
    this.current = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  /** The chunks written, in order. */
  finish(): Buffer[] {
    if (this.used > 0) this.done.push(this.current.subarray(0, this.used));
    this.used = 0;
    return this.done;
  }
}
