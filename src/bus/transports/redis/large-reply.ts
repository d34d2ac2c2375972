/**
 * A large reply (a list of a thousand records is ~400 KB of envelope) pushed as one command whose
 * bytes are written once, here, with the envelope in place: ioredis would copy a Buffer argument
 * into a new buffer for the command and again into one for its auto-pipeline, and every fresh
 * buffer of that size costs page faults that were most of the reply's cost. The command is
 * PUSH_REPLY by its SHA, as ioredis would send it; the first answer NOSCRIPT (a restarted or
 * flushed Redis) sends it the ordinary way, which loads the script again.
 */
import { Command } from "ioredis";
import type { EnvelopeBytes } from "../../envelope-bytes.js";
import { PUSH_REPLY_SHA, type ScriptedRedis } from "./scripts.js";

/** A command sent as bytes made beforehand. */
class PreEncodedCommand extends Command {
  constructor(
    name: string,
    private readonly bytes: Buffer,
  ) {
    super(name, []);
  }

  override toWritable(): Buffer {
    return this.bytes;
  }
}

const bulk = (value: string) => `$${Buffer.byteLength(value)}\r\n${value}\r\n`;

export async function pushLargeReply(
  redis: ScriptedRedis,
  list: string,
  envelope: EnvelopeBytes,
  ttlMs: number,
): Promise<void> {
  const head = `*6\r\n${bulk("EVALSHA")}${bulk(PUSH_REPLY_SHA)}${bulk("1")}${bulk(list)}$${envelope.size}\r\n`;
  const tail = `\r\n${bulk(String(ttlMs))}`;
  const start = Buffer.byteLength(head);
  const bytes = Buffer.allocUnsafe(start + envelope.size + Buffer.byteLength(tail));
  bytes.write(head, 0);
  const end = envelope.writeTo(bytes, start);
  bytes.write(tail, end);
  try {
    await redis.sendCommand(new PreEncodedCommand("evalsha", bytes));
  } catch (err) {
    if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
    await redis.pushReply(list, bytes.subarray(start, end), ttlMs);
  }
}
