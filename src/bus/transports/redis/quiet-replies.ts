/**
 * Replies, each with the acknowledgement of the request it answers, written on the command
 * connection after CLIENT REPLY SKIP: Redis sends no answer, so a reply costs this process no
 * wake-up (with one request in flight, reading that answer was half the cost of a request).
 * What is written stays here until the answer of a later command on the same connection shows
 * Redis had it (the heartbeat's, every second or so); if the connection drops first, it is sent
 * again the ordinary way (a repeated reply is ignored by its caller; the acknowledgement is
 * idempotent). Used only once the server has accepted CLIENT REPLY on this connection (old
 * servers and ACL users without it get the ordinary path), and only for small replies. The
 * replies of one event-loop turn leave in one write.
 */
import type { ScriptedRedis } from "./scripts.js";

/** The same steps as PUSH_REPLY_AND_ACK (scripts.ts), sent as EVAL: no NOSCRIPT can befall it. */
const REPLY_AND_ACK_LUA =
  "redis.call('LPUSH', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) redis.call('HDEL', KEYS[2], ARGV[3]) return 1";
const SKIP_NEXT_ANSWER = "*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n";
/** Larger replies, or more unconfirmed bytes than this, take the ordinary path. */
export const QUIET_REPLY_MAX_BYTES = 64 * 1024;
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

interface Pending {
  seq: number;
  list: string;
  inFlight: string;
  raw: string | Buffer;
  ttlMs: number;
  tag: string;
  bytes: number;
}

const bulk = (value: string | number): string => {
  const text = String(value);
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
};

export class QuietReplies {
  private pending: Pending[] = [];
  /** Written in this turn, not yet handed to the socket. */
  private out: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  private usable = false;
  /** Replies written without an answer (tests count them). */
  written = 0;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly report: (error: Error) => void,
  ) {}

  /** On every (re)connect: CLIENT REPLY ON answers OK where the server has it and lets us. */
  async probe(): Promise<void> {
    this.usable = false;
    try {
      this.usable = (await this.redis.call("CLIENT", "REPLY", "ON")) === "OK";
    } catch {
      this.usable = false;
    }
  }

  /** Writes the reply and its acknowledgement without an answer; false: use the ordinary path. */
  write(list: string, inFlight: string, raw: string | Buffer, ttlMs: number, tag: string): boolean {
    const stream = this.redis.stream;
    if (!this.usable || this.redis.status !== "ready" || !stream?.writable) return false;
    const bytes = Buffer.byteLength(raw);
    if (bytes > QUIET_REPLY_MAX_BYTES || this.pendingBytes + bytes > MAX_PENDING_BYTES)
      return false;
    const head = `${SKIP_NEXT_ANSWER}*8\r\n${bulk("EVAL")}${bulk(REPLY_AND_ACK_LUA)}${bulk(2)}${bulk(list)}${bulk(inFlight)}$${bytes}\r\n`;
    this.out.push(
      Buffer.from(head),
      Buffer.from(raw),
      Buffer.from(`\r\n${bulk(ttlMs)}${bulk(tag)}`),
    );
    if (this.out.length === 3) process.nextTick(() => this.flush());
    this.seq += 1;
    this.pending.push({ seq: this.seq, list, inFlight, raw, ttlMs, tag, bytes });
    this.pendingBytes += bytes;
    this.written += 1;
    return true;
  }

  private flush(): void {
    if (this.out.length === 0) return;
    const data = Buffer.concat(this.out);
    this.out = [];
    // A socket that closed meanwhile: lost() sends them again.
    const stream = this.redis.stream;
    if (stream?.writable) stream.write(data);
  }

  /**
   * Call before sending a command on the same connection; call what it returns once that command
   * is answered: everything written before it has been run.
   */
  mark(): () => void {
    this.flush();
    const upTo = this.seq;
    return () => {
      let n = 0;
      while (n < this.pending.length && this.pending[n]!.seq <= upTo) {
        this.pendingBytes -= this.pending[n]!.bytes;
        n += 1;
      }
      if (n) this.pending.splice(0, n);
    };
  }

  /** The connection dropped: what may not have reached Redis goes again once it is back. */
  lost(): void {
    this.usable = false;
    const again = this.pending;
    this.pending = [];
    this.out = [];
    this.pendingBytes = 0;
    for (const p of again)
      this.redis
        .pushReplyAndAck(p.list, p.inFlight, p.raw, p.ttlMs, p.tag)
        .catch((e) => this.report(e as Error));
  }

  get unconfirmed(): number {
    return this.pending.length;
  }
}
