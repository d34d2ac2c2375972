/**
 * The requests our consumers hold that name a reply list and a correlation id: the reply to one
 * is pushed and the request acknowledged by one script (scripts.ts, PUSH_REPLY_AND_ACK), and the
 * acknowledgement that follows waits for that script's answer instead of sending its own HDEL
 * (which cost a write to Redis per request).
 */
import type { Delivery } from "../../transport.js";
import type { ScriptedRedis } from "./scripts.js";

/** A consumer that can learn that a delivery of its own is being acknowledged with its reply. */
export interface Settleable {
  /** `sent` settles when Redis has answered the reply that acknowledges delivery `tag`. */
  acknowledgedBy(tag: string, sent: Promise<unknown>): void;
  /** A connection of the consumer's own that a reply may go out on now, if any. */
  lend(): ScriptedRedis | undefined;
}

export interface AwaitedReply {
  /** The request's delivery number (its field in the owner's in-flight hash). */
  tag: string;
  /** Tells the consumer that holds it that `sent`, once answered, acknowledged it. */
  acknowledgedBy(sent: Promise<unknown>): void;
  /** The consumer's own connection, when the reply may go out on it now (RedisConsumer.lend). */
  lend(): ScriptedRedis | undefined;
}

interface Entry {
  consumer: Settleable;
  tag: string;
}

function keyOf(delivery: Delivery): string | null {
  const { reply_to: replyTo, correlation_id: correlationId } = delivery.envelope.properties;
  if (typeof replyTo !== "string" || replyTo === "" || typeof correlationId !== "string")
    return null;
  return `${replyTo}\n${correlationId}`;
}

export class AwaitedReplies {
  private readonly byReply = new Map<string, Entry>();

  get size(): number {
    return this.byReply.size;
  }

  /** A request was taken; the first holder of a (reply list, correlation id) pair keeps it. */
  expect(delivery: Delivery, consumer: Settleable): void {
    const key = keyOf(delivery);
    if (key !== null && !this.byReply.has(key))
      this.byReply.set(key, { consumer, tag: delivery.tag });
  }

  /** The request was acknowledged, rejected or given back. */
  forget(delivery: Delivery, consumer: Settleable): void {
    const key = keyOf(delivery);
    if (key === null) return;
    const entry = this.byReply.get(key);
    if (entry?.consumer === consumer && entry.tag === delivery.tag) this.byReply.delete(key);
  }

  /** The held request a reply to `replyTo` with `correlationId` answers, taken off the table. */
  claim(replyTo: string, correlationId: string | undefined): AwaitedReply | undefined {
    if (correlationId === undefined) return undefined;
    const key = `${replyTo}\n${correlationId}`;
    const entry = this.byReply.get(key);
    if (!entry) return undefined;
    this.byReply.delete(key);
    return {
      tag: entry.tag,
      acknowledgedBy: (sent) => entry.consumer.acknowledgedBy(entry.tag, sent),
      lend: () => entry.consumer.lend(),
    };
  }
}
