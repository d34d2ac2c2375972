/**
 * An in-process broker with the Redis transport's semantics: topic routing with kombu's stored
 * regexes, competing consumers on a queue, acknowledgement, redelivery of what a consumer held when
 * it stopped. There is no global instance: whoever wants processes' services to share one creates
 * it and hands it to each memory transport.
 */
import { keyToPattern, routeBindings, type StoredBinding } from "../../topic.js";
import type { ExchangeType } from "../../transport.js";

/** Something that takes messages from queues; the broker offers it messages while it has room. */
export interface BrokerConsumer {
  readonly queues: readonly string[];
  /** Room for one more message (`next`, when given, is the one on offer). */
  hasCapacity(next?: string): boolean;
  take(queue: string, raw: string): void;
}

export class MemoryBroker {
  private readonly queues = new Map<string, string[]>();
  private readonly bindings = new Map<string, Map<string, StoredBinding>>();
  private readonly exchangeTypes = new Map<string, ExchangeType>();
  private readonly consumers = new Map<string, BrokerConsumer[]>();
  private pumping = new Set<string>();
  /** Exclusive queue -> the transport that declared it. */
  private readonly exclusiveTo = new Map<string, object>();

  declareExchange(name: string, type: ExchangeType): void {
    this.exchangeTypes.set(name, type);
  }

  bind(exchange: string, routingKey: string, queue: string): void {
    const pattern =
      (this.exchangeTypes.get(exchange) ?? "topic") === "topic" ? keyToPattern(routingKey) : "";
    let table = this.bindings.get(exchange);
    if (!table) {
      table = new Map();
      this.bindings.set(exchange, table);
    }
    table.set(`${routingKey}\x06\x16${pattern}\x06\x16${queue}`, { routingKey, pattern, queue });
    this.ensureQueue(queue);
  }

  ensureQueue(queue: string): void {
    if (!this.queues.has(queue)) this.queues.set(queue, []);
  }

  /** Marks a queue as `holder`'s alone; false when another holder has it. */
  claimExclusive(queue: string, holder: object): boolean {
    const current = this.exclusiveTo.get(queue);
    if (current && current !== holder) return false;
    this.exclusiveTo.set(queue, holder);
    return true;
  }

  deleteQueue(queue: string): void {
    this.queues.delete(queue);
    this.exclusiveTo.delete(queue);
    for (const table of this.bindings.values()) {
      for (const [member, b] of table) if (b.queue === queue) table.delete(member);
    }
  }

  queueLength(queue: string): number {
    return this.queues.get(queue)?.length ?? 0;
  }

  /** The messages waiting on a queue, next first (for tests and tools). */
  peek(queue: string): readonly string[] {
    return [...(this.queues.get(queue) ?? [])];
  }

  hasQueue(queue: string): boolean {
    return this.queues.has(queue);
  }

  /** The queues a message published on (exchange, routingKey) goes to. */
  route(exchange: string, routingKey: string): string[] {
    if (exchange === "") return [routingKey];
    const table = this.bindings.get(exchange);
    return table ? routeBindings(table.values(), routingKey) : [];
  }

  /** Appends at the tail (consumed last) or, for restores, at the head (consumed next). */
  push(queue: string, raw: string, atHead = false): void {
    let items = this.queues.get(queue);
    if (!items) {
      items = [];
      this.queues.set(queue, items);
    }
    if (atHead) items.unshift(raw);
    else items.push(raw);
    this.schedulePump(queue);
  }

  addConsumer(consumer: BrokerConsumer): void {
    for (const q of consumer.queues) {
      const list = this.consumers.get(q) ?? [];
      list.push(consumer);
      this.consumers.set(q, list);
      this.schedulePump(q);
    }
  }

  removeConsumer(consumer: BrokerConsumer): void {
    for (const q of consumer.queues) {
      const list = this.consumers.get(q)?.filter((c) => c !== consumer) ?? [];
      if (list.length) this.consumers.set(q, list);
      else this.consumers.delete(q);
    }
  }

  /** A consumer got room again: offer it what waits on its queues. */
  capacityFreed(consumer: BrokerConsumer): void {
    for (const q of consumer.queues) this.schedulePump(q);
  }

  // Deliveries happen on a later tick, never inside the publisher's call: as on a real broker.
  private schedulePump(queue: string): void {
    if (this.pumping.has(queue)) return;
    this.pumping.add(queue);
    setImmediate(() => {
      this.pumping.delete(queue);
      this.pump(queue);
    });
  }

  private pump(queue: string): void {
    const items = this.queues.get(queue);
    const list = this.consumers.get(queue);
    if (!items || !list) return;
    while (items.length > 0) {
      // Round robin: the first consumer with room takes one and goes to the back of the line.
      const next = items[0];
      const index = list.findIndex((c) => c.hasCapacity(next));
      if (index < 0) return;
      const [consumer] = list.splice(index, 1);
      list.push(consumer!);
      consumer!.take(queue, items.shift()!);
    }
  }
}
