/**
 * A large reply (a list of a thousand records is ~400 KB of envelope) pushed as one command whose
 * bytes are written once, here, in 64 KB chunks (reused) with the envelope in place: ioredis would copy a
 * Buffer argument into a new buffer for the command and again into one for its auto-pipeline, and
 * every fresh buffer of that size costs page faults that were most of the reply's cost. The
 * command is PUSH_REPLY by its SHA, as ioredis would send it; an answer NOSCRIPT (a restarted or
 * flushed Redis) sends it the ordinary way, which loads the script again.
 */
import { Command } from "ioredis";
import { ByteChunks, type ChunkPool } from "../../byte-chunks.js";
import type { EnvelopeBytes } from "../../envelope-bytes.js";
import { PUSH_REPLY_AND_ACK_SHA, PUSH_REPLY_SHA, type ScriptedRedis } from "./scripts.js";

interface Socketish {
  write(chunk: Buffer): boolean;
  cork?(): void;
  uncork?(): void;
}

/** A command sent as bytes made beforehand, in chunks. */
export class PreEncodedCommand extends Command {
  constructor(
    name: string,
    private readonly chunks: Buffer[],
  ) {
    super(name, []);
  }

  /**
   * ioredis writes what this returns to the connection's socket, which it passes in: the leading
   * chunks are written to it here first (corked, so they leave in one system call with the last).
   * Given anything but a socket (a pipeline), the chunks are joined.
   */
  override toWritable(socket?: unknown): Buffer {
    const last = this.chunks[this.chunks.length - 1] ?? Buffer.alloc(0);
    if (this.chunks.length <= 1) return last;
    const target = socket as Partial<Socketish> & { isPipeline?: boolean };
    if (
      typeof target?.write !== "function" ||
      target.isPipeline ||
      typeof target.cork !== "function" ||
      typeof target.uncork !== "function"
    )
      return Buffer.concat(this.chunks);
    target.cork();
    for (const chunk of this.chunks.slice(0, -1)) target.write(chunk);
    const uncork = target.uncork.bind(target);
    process.nextTick(uncork);
    return last;
  }
}

const bulk = (value: string) => `$${Buffer.byteLength(value)}\r\n${value}\r\n`;

/** The request a reply acknowledges: its owner's in-flight hash and delivery number. */
export interface ReplyAck {
  inFlight: string;
  tag: string;
}

/** The whole envelope in one buffer (a small one, or the ordinary way after NOSCRIPT). */
function envelopeBuffer(envelope: EnvelopeBytes): Buffer {
  const whole = new ByteChunks();
  envelope.writeTo(whole);
  return Buffer.concat(whole.finish());
}

/** PUSH_REPLY, or PUSH_REPLY_AND_ACK when the reply acknowledges the request it answers. */
export async function pushLargeReply(
  redis: ScriptedRedis,
  list: string,
  envelope: EnvelopeBytes,
  ttlMs: number,
  pool: ChunkPool,
  ack?: ReplyAck,
): Promise<void> {
  const out = new ByteChunks(pool);
  const head = ack
    ? `*8\r\n${bulk("EVALSHA")}${bulk(PUSH_REPLY_AND_ACK_SHA)}${bulk("2")}${bulk(list)}${bulk(ack.inFlight)}`
    : `*6\r\n${bulk("EVALSHA")}${bulk(PUSH_REPLY_SHA)}${bulk("1")}${bulk(list)}`;
  out.utf8(head);
  out.latin1(`$${envelope.size}\r\n`);
  envelope.writeTo(out);
  out.latin1(`\r\n${bulk(String(ttlMs))}${ack ? bulk(ack.tag) : ""}`);
  try {
    // Once Redis has answered (or the connection is gone) nothing reads the chunks: ioredis
    // sends a command again after a reconnect, before it settles, so they are kept until then.
    await redis.sendCommand(new PreEncodedCommand("evalsha", out.finish()));
  } catch (err) {
    if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
    const whole = envelopeBuffer(envelope);
    if (ack) await redis.pushReplyAndAck(list, ack.inFlight, whole, ttlMs, ack.tag);
    else await redis.pushReply(list, whole, ttlMs);
  } finally {
    out.release();
  }
}
