/** The memory:// transport: a Transport over a MemoryBroker shared by whoever holds it. */
import { type Envelope, isRedelivered, markRedelivered, parseEnvelope } from "../../envelope.js";
import type {
  ConsumeOptions,
  Consumer,
  Delivery,
  DeliveryCallback,
  ExchangeType,
  QueueSpec,
  Transport,
} from "../../transport.js";
import { type BrokerConsumer, MemoryBroker } from "./broker.js";

class MemoryConsumer implements Consumer, BrokerConsumer {
  private readonly unsettled = new Map<string, Delivery>();
  private stopped = false;

  constructor(
    private readonly broker: MemoryBroker,
    readonly queues: readonly string[],
    private readonly callback: DeliveryCallback,
    private readonly options: ConsumeOptions,
    private readonly onStopped: (c: MemoryConsumer) => void,
  ) {
    broker.addConsumer(this);
  }

  get inFlight(): number {
    return this.unsettled.size;
  }

  hasCapacity(): boolean {
    return !this.stopped && (this.options.noAck || this.unsettled.size < this.options.prefetch);
  }

  take(queue: string, raw: string): void {
    const envelope =
      parseEnvelope(raw) ?? ({ body: raw, headers: {}, properties: {} } as unknown as Envelope);
    const info = envelope.properties?.delivery_info ?? { exchange: "", routing_key: queue };
    const delivery: Delivery = {
      envelope,
      queue,
      exchange: info.exchange,
      routingKey: info.routing_key,
      redelivered: isRedelivered(envelope),
      tag: envelope.properties?.delivery_tag ?? "",
      size: raw.length,
    };
    if (!this.options.noAck) this.unsettled.set(delivery.tag, delivery);
    this.callback(delivery);
  }

  async ack(delivery: Delivery): Promise<void> {
    if (this.unsettled.delete(delivery.tag)) this.broker.capacityFreed(this);
  }

  async reject(delivery: Delivery, requeue: boolean): Promise<void> {
    if (!this.unsettled.delete(delivery.tag)) return;
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

  async restoreUnsettled(): Promise<number> {
    const held = [...this.unsettled.values()];
    this.unsettled.clear();
    for (const d of held.reverse()) {
      this.broker.push(d.queue, JSON.stringify(markRedelivered(d.envelope)), true);
    }
    return held.length;
  }
}

export class MemoryTransport implements Transport {
  readonly kind = "memory";
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly autoDelete: QueueSpec[] = [];

  constructor(readonly broker: MemoryBroker = new MemoryBroker()) {}

  declareExchange(name: string, type: ExchangeType): void {
    this.broker.declareExchange(name, type);
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    for (const b of spec.bindings) this.broker.bind(b.exchange, b.routingKey, spec.name);
    this.broker.ensureQueue(spec.name);
    if (spec.autoDelete) this.autoDelete.push(spec);
  }

  async deleteQueue(spec: QueueSpec): Promise<void> {
    this.broker.deleteQueue(spec.name);
  }

  async publish(exchange: string, routingKey: string, envelope: Envelope): Promise<number> {
    const queues = this.broker.route(exchange, routingKey);
    const raw = JSON.stringify(envelope);
    for (const q of queues) this.broker.push(q, raw);
    return queues.length;
  }

  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer {
    const consumer = new MemoryConsumer(this.broker, queues, callback, options, (c) =>
      this.consumers.delete(c),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async ping(): Promise<void> {}

  abort(): void {
    // Nothing to drop: close() never waits on anything outside this process.
  }

  async close(): Promise<void> {
    for (const c of [...this.consumers]) {
      await c.stop();
      await c.restoreUnsettled();
    }
    for (const spec of this.autoDelete.splice(0)) this.broker.deleteQueue(spec.name);
  }
}
