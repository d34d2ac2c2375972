/**
 * The reliable consumer on Redis lists (served queues): one Lua script moves a batch from the
 * lists into this owner's in-flight HASH atomically, so no message is ever out of Redis's
 * bookkeeping (a SIGKILL at any instant loses nothing: any live process puts a dead owner's
 * messages back). Oversized messages are set aside by the same script, before any byte reaches
 * this process. While the lists are empty it sleeps until a wake-up (our publishers' ping, or
 * Redis keyspace events for kombu's pushes) or blockSeconds, whichever comes first.
 */
import { markRedelivered, parseEnvelope } from "../../envelope.js";
import type { ConsumeOptions, Consumer, Delivery, DeliveryCallback } from "../../transport.js";
import { delay } from "./connection.js";
import { consumeKeys, inFlightKey, wakeChannel } from "./keys.js";
import { toDelivery } from "./listener.js";
import type { ScriptedRedis } from "./scripts.js";

/** What the consumer needs from its transport (kept narrow so the two stay separately testable). */
export interface ConsumerHost {
  readonly command: ScriptedRedis;
  readonly owner: string;
  readonly blockSeconds: number;
  readonly replyTtlMs: number;
  /** Reserves `count` delivery numbers, unique within the owner; returns the first. */
  reserve(count: number): number;
  /** A message the take script set aside (oversized). */
  setAside(queue: string, size: number, answered: boolean): void;
  reportError(error: Error): void;
}

interface Held {
  delivery: Delivery;
  key: string;
  raw: string;
}

export class RedisConsumer implements Consumer {
  readonly keys: string[];
  readonly queues: readonly string[];
  private readonly held = new Map<string, Held>();
  private inFlightBytes = 0;
  private stopped = false;
  /** A wake-up arrived since the last take began. */
  private dirty = false;
  /** The last take may have left messages behind (it filled its room or its byte budget). */
  private more = false;
  private wakeWaiter: (() => void) | null = null;
  private capacityWaiter: (() => void) | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly host: ConsumerHost,
    queues: readonly string[],
    private readonly callback: DeliveryCallback,
    private readonly options: ConsumeOptions,
  ) {
    this.queues = queues;
    this.keys = consumeKeys(queues);
    this.done = this.loop();
  }

  get inFlight(): number {
    return this.held.size;
  }

  /** Something was pushed onto one of our lists (or room was freed): take again. */
  wake(): void {
    this.dirty = true;
    const w = this.wakeWaiter;
    this.wakeWaiter = null;
    w?.();
  }

  /**
   * Room was freed: a take that stopped short for lack of room or budget takes again. One that
   * emptied the lists does not: the next push pings us. (Taking again after every answer cost two
   * empty round trips per request with one in flight.)
   */
  private freed(): void {
    const w = this.capacityWaiter;
    this.capacityWaiter = null;
    w?.();
    if (this.more) this.wake();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      if (this.held.size >= this.options.prefetch) {
        await new Promise<void>((resolve) => (this.capacityWaiter = resolve));
        continue;
      }
      this.dirty = false;
      try {
        const taken = await this.take();
        failures = 0;
        // Drained (or nothing fits the budget now): sleep until a push or freed room wakes us.
        if ((taken === 0 || !this.more) && !this.stopped && !this.dirty) await this.sleep();
      } catch (err) {
        if (this.stopped) break;
        failures += 1;
        this.host.reportError(err as Error);
        await delay(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWaiter = null;
        resolve();
      }, this.host.blockSeconds * 1000);
      this.wakeWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async take(): Promise<number> {
    const room = this.options.prefetch - this.held.size;
    const first = this.host.reserve(room);
    const budget =
      this.options.maxInFlightBytes === undefined
        ? -1
        : Math.max(0, this.options.maxInFlightBytes - this.inFlightBytes);
    const [taken, aside] = await this.host.command.takeIntoFlight(
      1 + this.keys.length,
      inFlightKey(this.host.owner),
      ...this.keys,
      first,
      room,
      this.options.maxMessageBytes ?? 0,
      budget,
      this.held.size === 0 ? "1" : "0",
      this.host.replyTtlMs,
      this.host.owner,
    );
    for (let i = 0; i < aside.length; i += 3)
      this.host.setAside(String(aside[i]), Number(aside[i + 1]), Number(aside[i + 2]) === 1);
    const batch: Held[] = [];
    let bytes = 0;
    for (let i = 0; i < taken.length; i += 3) {
      const [tag, key, raw] = [taken[i]!, taken[i + 1]!, taken[i + 2]!];
      const delivery = toDelivery(key, raw, tag);
      bytes += delivery.size;
      batch.push({ delivery, key, raw });
    }
    const maxMessage = this.options.maxMessageBytes;
    this.more =
      batch.length >= room ||
      (budget >= 0 && (maxMessage === undefined || budget - bytes < maxMessage));
    if (this.stopped) {
      // Taken while stopping: straight back, never to a handler.
      await this.putBack(batch);
      return 0;
    }
    for (const h of batch) {
      this.held.set(h.delivery.tag, h);
      this.inFlightBytes += h.delivery.size;
    }
    for (const h of batch) this.callback(h.delivery);
    return batch.length;
  }

  private release(tag: string): Held | undefined {
    const h = this.held.get(tag);
    if (!h) return undefined;
    this.held.delete(tag);
    this.inFlightBytes -= h.delivery.size;
    return h;
  }

  async ack(delivery: Delivery): Promise<void> {
    if (!this.release(delivery.tag)) return;
    try {
      await this.host.command.hdel(inFlightKey(this.host.owner), delivery.tag);
    } finally {
      this.freed();
    }
  }

  async reject(delivery: Delivery, requeue: boolean): Promise<void> {
    const h = this.release(delivery.tag);
    if (!h) return;
    try {
      if (requeue) await this.putBack([h]);
      else await this.host.command.hdel(inFlightKey(this.host.owner), delivery.tag);
    } finally {
      this.freed();
    }
  }

  /** Back to the consuming end of their lists, flagged redelivered, oldest consumed first. */
  private async putBack(items: Held[]): Promise<void> {
    if (items.length === 0) return;
    const multi = this.host.command.multi();
    for (const h of [...items].sort((a, b) => Number(b.delivery.tag) - Number(a.delivery.tag))) {
      // What was not an envelope at all goes back exactly as it came.
      const envelope = parseEnvelope(h.raw);
      const raw = envelope ? JSON.stringify(markRedelivered(envelope)) : h.raw;
      multi.hdel(inFlightKey(this.host.owner), h.delivery.tag).rpush(h.key, raw);
      multi.publish(wakeChannel(h.delivery.queue), "1");
    }
    await multi.exec();
  }

  async restoreUnsettled(): Promise<number> {
    const items = [...this.held.values()];
    for (const h of items) this.release(h.delivery.tag);
    await this.putBack(items);
    this.freed();
    return items.length;
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.freed();
    }
    // A take may wait on a Redis that is gone; the transport's close deadline covers the rest.
    await Promise.race([this.done, delay((this.host.blockSeconds + 2) * 1000)]);
  }

  /** The process is going down without cleaning up: its liveness lapses and others restore. */
  abort(): void {
    this.stopped = true;
    this.freed();
  }
}
