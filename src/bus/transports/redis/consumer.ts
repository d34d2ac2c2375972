/**
 * A consumer on Redis lists: takes batches of messages with BLMPOP (Redis 7; before that the
 * pop-and-record script while there are messages and BRPOP when there are none), records them in
 * kombu's unacked bookkeeping, hands them out within the prefetch limit and settles them. Runs on
 * a connection of its own because the blocking pop blocks it.
 */
import type { Redis } from "ioredis";
import { type Envelope, isRedelivered, markRedelivered, parseEnvelope } from "../../envelope.js";
import type { ConsumeOptions, Consumer, Delivery, DeliveryCallback } from "../../transport.js";
import { consumeKeys, queueOfKey, UNACKED, UNACKED_INDEX } from "./keys.js";
import type { ScriptedRedis } from "./scripts.js";

/** What the consumer needs from its transport (kept narrow so the two stay separately testable). */
export interface ConsumerHost {
  readonly command: ScriptedRedis;
  newBlockingConnection(): ScriptedRedis;
  restoreByTag(tag: string, atConsumingEnd: boolean): Promise<boolean>;
  readonly blockSeconds: number;
  /** Take messages with BLMPOP (Redis 7) rather than BRPOP and the pop-and-record script. */
  readonly useBlmpop: boolean;
  reportError(error: Error): void;
}

/** Messages taken in one go, from the consuming end; `recorded` when already in `unacked`. */
interface Taken {
  items: Array<[key: string, raw: string]>;
  recorded: boolean;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
const nowSeconds = (): number => Date.now() / 1000;

export class RedisConsumer implements Consumer {
  private readonly keys: string[];
  private readonly unsettled = new Map<string, Delivery>();
  private readonly pendingRecords = new Map<
    string,
    { raw: string; record: string; queue: string }
  >();
  private readonly blocking: ScriptedRedis;
  private clientId: number | null = null;
  private stopped = false;
  /** BLMPOP (Redis 7) until the server says it does not know it. */
  private useBlmpop: boolean;
  private blocked = false;
  private wake: (() => void) | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly host: ConsumerHost,
    queues: readonly string[],
    private readonly callback: DeliveryCallback,
    private readonly options: ConsumeOptions,
  ) {
    this.keys = consumeKeys(queues);
    this.useBlmpop = host.useBlmpop;
    this.blocking = host.newBlockingConnection();
    this.blocking.on("ready", () => {
      this.clientId = null;
      this.blocking.client("ID").then(
        (id) => (this.clientId = Number(id)),
        () => undefined,
      );
    });
    this.done = this.loop();
  }

  get inFlight(): number {
    return this.unsettled.size;
  }

  /** Tags this consumer holds, for the transport's visibility heartbeat. */
  heldTags(): string[] {
    return [...this.unsettled.keys()];
  }

  private hasCapacity(): boolean {
    return this.options.noAck || this.unsettled.size < this.options.prefetch;
  }

  private waitForCapacity(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private freed(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      if (!this.hasCapacity()) {
        await this.waitForCapacity();
        continue;
      }
      try {
        const room = this.options.noAck ? 100 : this.options.prefetch - this.unsettled.size;
        const taken = this.useBlmpop ? await this.takeBlmpop(room) : await this.takeBrpop(room);
        failures = 0;
        if (taken === null) continue;
        if (this.stopped) {
          await this.giveBack(taken);
          break;
        }
        for (const [key, raw] of taken.items) this.deliver(key, raw, taken.recorded);
      } catch (err) {
        this.blocked = false;
        if (this.stopped) break;
        if (this.useBlmpop && /unknown command/i.test((err as Error).message)) {
          // Redis before 7.0: BRPOP and the pop-and-record script instead.
          this.useBlmpop = false;
          continue;
        }
        failures += 1;
        this.host.reportError(err as Error);
        await delay(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /**
   * Redis 7: one BLMPOP takes up to `room` messages from the first non-empty list, blocking while
   * all are empty: one command per batch, whatever the load. The messages are recorded at the end
   * of the turn (recordSoon).
   */
  private async takeBlmpop(room: number): Promise<Taken | null> {
    this.blocked = true;
    const result = (await this.blocking.call(
      "BLMPOP",
      this.host.blockSeconds,
      this.keys.length,
      ...this.keys,
      "RIGHT",
      "COUNT",
      room,
    )) as [string, string[]] | null;
    this.blocked = false;
    return result ? { items: result[1].map((raw) => [result[0], raw]), recorded: false } : null;
  }

  /**
   * Redis before 7: the pop-and-record script takes what is there (recorded atomically), and BRPOP
   * waits for one message when there is nothing.
   */
  private async takeBrpop(room: number): Promise<Taken | null> {
    const flat = await this.blocking.popAndRecord(
      2 + this.keys.length,
      UNACKED,
      UNACKED_INDEX,
      ...this.keys,
      room,
      nowSeconds(),
      this.options.noAck ? "0" : "1",
    );
    if (flat.length > 0) {
      const items: Taken["items"] = [];
      for (let i = 0; i < flat.length; i += 2) items.push([flat[i]!, flat[i + 1]!]);
      return { items, recorded: !this.options.noAck };
    }
    if (this.stopped) return null;
    this.blocked = true;
    const popped = await this.blocking.brpop(...this.keys, this.host.blockSeconds);
    this.blocked = false;
    return popped ? { items: [[popped[0], popped[1]]], recorded: false } : null;
  }

  /**
   * Messages taken after stop() began never reach a handler: unrecorded ones go back to the
   * consuming end of their lists in their order, recorded ones are restored by their records.
   */
  private async giveBack(taken: Taken): Promise<void> {
    if (taken.recorded) {
      for (const [, raw] of taken.items) {
        const tag = parseEnvelope(raw)?.properties.delivery_tag;
        if (typeof tag === "string") await this.host.restoreByTag(tag, true);
      }
      return;
    }
    for (const [key, raw] of [...taken.items].reverse()) await this.host.command.rpush(key, raw);
  }

  private deliver(key: string, raw: string, recorded: boolean): void {
    const queue = queueOfKey(key);
    const envelope =
      parseEnvelope(raw) ?? ({ body: raw, headers: {}, properties: {} } as unknown as Envelope);
    const info = envelope.properties.delivery_info ?? { exchange: "", routing_key: "" };
    const tag =
      typeof envelope.properties.delivery_tag === "string" ? envelope.properties.delivery_tag : "";
    const delivery: Delivery = {
      envelope,
      queue,
      exchange: typeof info.exchange === "string" ? info.exchange : "",
      routingKey: typeof info.routing_key === "string" ? info.routing_key : "",
      redelivered: isRedelivered(envelope),
      tag,
      size: Buffer.byteLength(raw),
    };
    if (!this.options.noAck && tag !== "") {
      this.unsettled.set(tag, delivery);
      if (!recorded) this.recordSoon(tag, raw, delivery);
    }
    this.callback(delivery);
  }

  /**
   * kombu's QoS.append for a message BRPOP handed us: recorded in unacked / unacked_index at the
   * end of this event-loop turn (setImmediate), all of the turn's deliveries in one transaction. A
   * handler that finishes within the turn (most do) acknowledges the message before it is ever
   * recorded, which then costs no Redis command at all; any other is recorded before its handler
   * can wait on any I/O. Records and acknowledgements share the command connection, so a record
   * can never land after the acknowledgement that removes it.
   */
  private recordSoon(tag: string, raw: string, delivery: Delivery): void {
    const record = `[${raw}, ${JSON.stringify(delivery.exchange)}, ${JSON.stringify(delivery.routingKey)}]`;
    this.pendingRecords.set(tag, { raw, record, queue: delivery.queue });
    if (this.pendingRecords.size === 1) setImmediate(() => this.flushRecords());
  }

  private flushRecords(): void {
    if (this.pendingRecords.size === 0) return;
    const multi = this.host.command.multi();
    const now = nowSeconds();
    for (const [tag, { record }] of this.pendingRecords)
      multi.zadd(UNACKED_INDEX, now, tag).hset(UNACKED, tag, record);
    this.pendingRecords.clear();
    multi.exec().catch((e: Error) => this.host.reportError(e));
  }

  async ack(delivery: Delivery): Promise<void> {
    if (!this.unsettled.delete(delivery.tag)) return;
    try {
      // Never recorded: there is nothing to remove.
      if (this.pendingRecords.delete(delivery.tag)) return;
      await this.host.command.ackTags(2, UNACKED, UNACKED_INDEX, delivery.tag);
    } finally {
      this.freed();
    }
  }

  async reject(delivery: Delivery, requeue: boolean): Promise<void> {
    if (!this.unsettled.delete(delivery.tag)) return;
    try {
      const pending = this.pendingRecords.get(delivery.tag);
      if (pending) {
        // Never recorded: put the message itself back (kombu's reject requeues at the far end).
        this.pendingRecords.delete(delivery.tag);
        if (requeue)
          await this.host.command.lpush(
            pending.queue,
            JSON.stringify(markRedelivered(delivery.envelope)),
          );
      } else if (requeue) await this.host.restoreByTag(delivery.tag, false);
      else await this.host.command.ackTags(2, UNACKED, UNACKED_INDEX, delivery.tag);
    } finally {
      this.freed();
    }
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.freed();
      await this.unblock();
    }
    // If Redis is unreachable the loop may be waiting on a command that never returns: drop the
    // connection, which fails that command and lets the loop see it was stopped.
    let finished = false;
    await Promise.race([
      this.done.then(() => (finished = true)),
      delay((this.host.blockSeconds + 1) * 1000),
    ]);
    if (!finished) this.blocking.disconnect();
    await this.done;
    await closeConnection(this.blocking);
  }

  /**
   * Ends a BRPOP at once without taking anything (CLIENT UNBLOCK makes it time out). The BRPOP may
   * not have reached the server yet, so this repeats until the loop has ended; at worst the loop
   * ends by itself when the BRPOP times out (blockSeconds).
   */
  private async unblock(): Promise<void> {
    let finished = false;
    void this.done.then(() => (finished = true));
    for (let i = 0; i < 20 && !finished; i++) {
      if (this.blocked && this.clientId !== null) {
        await this.host.command.client("UNBLOCK", this.clientId).catch(() => undefined);
      }
      await Promise.race([this.done, delay(50)]);
    }
  }

  /** Drops the blocking connection at once. */
  abort(): void {
    this.stopped = true;
    this.blocking.disconnect();
    this.freed();
  }

  async restoreUnsettled(): Promise<number> {
    // Whatever is still waiting to be recorded is recorded now, then restored like the rest.
    this.flushRecords();
    const held = [...this.unsettled.keys()];
    this.unsettled.clear();
    let restored = 0;
    for (const tag of held) if (await this.host.restoreByTag(tag, true)) restored += 1;
    this.freed();
    return restored;
  }
}

/** QUIT, and if the server does not answer within the deadline, drop the socket. */
export async function closeConnection(redis: Redis, deadlineMs = 2000): Promise<void> {
  if (redis.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  await Promise.race([
    redis.quit().then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  redis.disconnect();
}
