/** The memory:// transport: a Transport over a MemoryBroker shared by whoever holds it. */
import {
  countRedelivery,
  type Envelope,
  isRedelivered,
  markRedelivered,
  parseEnvelope,
} from "../../envelope.js";
import { ErrorCode, QueueLockedError } from "../../errors.js";
import { oversizedAnswer } from "../../oversized.js";
import {
  type ConsumeOptions,
  type Consumer,
  DEAD_SUFFIX,
  type Delivery,
  type DeliveryCallback,
  type ExchangeType,
  MAX_DELIVERIES,
  type PublishOutcome,
  type QueueSpec,
  type Transport,
  type TransportEvents,
} from "../../transport.js";
import { type BrokerConsumer, MemoryBroker } from "./broker.js";

class MemoryConsumer implements Consumer, BrokerConsumer {
  private readonly unsettled = new Map<string, Delivery>();
  private inFlightBytes = 0;
  private stopped = false;
  private seq = 0;

  constructor(
    private readonly broker: MemoryBroker,
    readonly queues: readonly string[],
    private readonly callback: DeliveryCallback,
    private readonly options: ConsumeOptions,
    private readonly events: TransportEvents,
    private readonly onStopped: (c: MemoryConsumer) => void,
  ) {
    broker.addConsumer(this);
  }

  get inFlight(): number {
    return this.unsettled.size;
  }

  hasCapacity(next?: string): boolean {
    if (this.stopped) return false;
    if (this.options.noAck) return true;
    if (this.unsettled.size >= this.options.prefetch) return false;
    const budget = this.options.maxInFlightBytes;
    // One message is always let through, however large, so nothing waits forever.
    return (
      budget === undefined ||
      next === undefined ||
      this.unsettled.size === 0 ||
      this.inFlightBytes + next.length <= budget
    );
  }

  take(queue: string, raw: string): void {
    const limit = this.options.maxMessageBytes;
    if (limit !== undefined && raw.length > limit) {
      this.setAside(queue, raw, limit);
      return;
    }
    const envelope =
      parseEnvelope(raw) ?? ({ body: raw, headers: {}, properties: {} } as unknown as Envelope);
    const info = envelope.properties?.delivery_info ?? { exchange: "", routing_key: queue };
    const delivery: Delivery = {
      envelope,
      queue,
      exchange: info.exchange,
      routingKey: info.routing_key,
      redelivered: isRedelivered(envelope),
      tag: `${++this.seq}`,
      size: raw.length,
    };
    if (!this.options.noAck) {
      this.unsettled.set(delivery.tag, delivery);
      this.inFlightBytes += delivery.size;
    }
    this.callback(delivery);
  }

  /** An oversized message: to `<queue>.dead`, answered -32600 when it names a reply queue. */
  private setAside(queue: string, raw: string, limit: number): void {
    this.broker.push(`${queue}${DEAD_SUFFIX}`, raw);
    const props = parseEnvelope(raw)?.properties;
    if (typeof props?.reply_to === "string" && props.reply_to !== "") {
      const correlation =
        typeof props.correlation_id === "string" ? props.correlation_id : undefined;
      this.broker.push(
        props.reply_to,
        oversizedAnswer(props.reply_to, correlation, raw.length, limit),
      );
    }
    this.events.onDeadLetter?.({
      queue,
      reason: `oversized (${raw.length} bytes)`,
      ...(props?.reply_to ? { code: ErrorCode.INVALID_REQUEST } : {}),
    });
  }

  private settle(delivery: Delivery): boolean {
    if (!this.unsettled.delete(delivery.tag)) return false;
    this.inFlightBytes -= delivery.size;
    return true;
  }

  async ack(delivery: Delivery): Promise<void> {
    if (this.settle(delivery)) this.broker.capacityFreed(this);
  }

  async reject(delivery: Delivery, requeue: boolean): Promise<void> {
    if (!this.settle(delivery)) return;
    if (requeue)
      this.broker.push(delivery.queue, JSON.stringify(markRedelivered(delivery.envelope)), true);
    this.broker.capacityFreed(this);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.broker.removeConsumer(this);
    this.onStopped(this);
  }

  private takeAll(): Delivery[] {
    const held = [...this.unsettled.values()];
    this.unsettled.clear();
    this.inFlightBytes = 0;
    return held;
  }

  async restoreUnsettled(): Promise<number> {
    const held = this.takeAll();
    for (const d of held.reverse()) {
      this.broker.push(d.queue, JSON.stringify(markRedelivered(d.envelope)), true);
    }
    return held.length;
  }

  /**
   * The consumer died (its transport was aborted): what it held goes back at once, counted; a
   * message delivered MAX_DELIVERIES times goes to `<queue>.dead` instead.
   */
  died(): void {
    this.stopped = true;
    this.broker.removeConsumer(this);
    for (const d of this.takeAll().reverse()) {
      const deliveries = countRedelivery(d.envelope);
      const raw = JSON.stringify(d.envelope);
      if (deliveries >= MAX_DELIVERIES) {
        this.broker.push(`${d.queue}${DEAD_SUFFIX}`, raw);
        this.events.onDeadLetter?.({ queue: d.queue, reason: `delivered ${deliveries} times` });
      } else this.broker.push(d.queue, raw, true);
    }
  }
}

export class MemoryTransport implements Transport {
  readonly kind = "memory";
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly autoDelete: QueueSpec[] = [];

  constructor(
    readonly broker: MemoryBroker = new MemoryBroker(),
    private readonly events: TransportEvents = {},
  ) {}

  async declareExchange(name: string, type: ExchangeType): Promise<void> {
    this.broker.declareExchange(name, type);
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    if (spec.exclusive && !this.broker.claimExclusive(spec.name, this))
      throw new QueueLockedError(spec.name);
    for (const b of spec.bindings) this.broker.bind(b.exchange, b.routingKey, spec.name);
    this.broker.ensureQueue(spec.name);
    if (spec.autoDelete || spec.exclusive) this.autoDelete.push(spec);
  }

  async deleteQueue(spec: QueueSpec): Promise<void> {
    this.broker.deleteQueue(spec.name);
  }

  async publish(exchange: string, routingKey: string, envelope: Envelope): Promise<PublishOutcome> {
    const queues = this.broker.route(exchange, routingKey);
    const raw = JSON.stringify(envelope);
    for (const q of queues) this.broker.push(q, raw);
    return { routed: queues.length > 0, queues: queues.length };
  }

  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer {
    const consumer = new MemoryConsumer(this.broker, queues, callback, options, this.events, (c) =>
      this.consumers.delete(c),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async ping(): Promise<void> {}

  /** A crash: consumers die (their messages go back at once), auto-delete queues go. */
  abort(): void {
    for (const c of [...this.consumers]) c.died();
    this.consumers.clear();
    for (const spec of this.autoDelete.splice(0)) this.broker.deleteQueue(spec.name);
  }

  async close(): Promise<void> {
    for (const c of [...this.consumers]) {
      await c.stop();
      await c.restoreUnsettled();
    }
    for (const spec of this.autoDelete.splice(0)) this.broker.deleteQueue(spec.name);
  }
}
