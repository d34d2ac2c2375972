/**
 * The amqp:// and amqps:// transport: RabbitMQ as kombu's py-amqp transport uses it (WIRE.md
 * section 3), so Python services on kombu and ours share one bus in either role. Queues kombu also
 * declares get exactly kombu's flags and no arguments; the extras (counting deliveries, dead
 * letters, oversized messages) are done here, with confirmed publishes.
 */
import type { Message } from "amqplib";
import { type Envelope, parseEnvelope } from "../../envelope.js";
import type { MessageInput } from "../../envelope-bytes.js";
import { ErrorCode } from "../../errors.js";
import { oversizedAnswer } from "../../oversized.js";
import {
  type ConsumeOptions,
  type Consumer,
  DEAD_SUFFIX,
  type DeliveryCallback,
  type ExchangeType,
  MAX_DELIVERIES,
  type PublishOutcome,
  type QueueSpec,
  REDELIVERIES_HEADER,
  type Transport,
  type TransportEvents,
} from "../../transport.js";
import { AmqpConsumer } from "./consumer.js";
import { declareExchange, declareQueue, isPrivate } from "./declare.js";
import { delay, type Link, Linker } from "./link.js";
import { type AmqpMessage, messageOf, redeliveriesOf, republished, toAmqp } from "./message.js";
import { Sweeper } from "./sweeper.js";
import { parseAmqpUri } from "./uri.js";

export { type ParsedAmqpUri, parseAmqpUri } from "./uri.js";

export interface AmqpTransportOptions extends TransportEvents {
  /** How often queues this process declared are looked at for messages nobody counted (ms). */
  sweepIntervalMs?: number;
  /** First and longest wait between two connection attempts (ms; doubled each time). */
  reconnectBackoff?: { firstMs: number; longestMs: number };
}

/** Attempts at a publish that failed because its connection was lost (at least once: a copy may land). */
const PUBLISH_ATTEMPTS = 3;

export class AmqpTransport implements Transport {
  readonly kind = "amqp";
  reconnectedAt: number | undefined;
  readonly sweeper: Sweeper;
  private readonly linker: Linker;
  private readonly exchanges = new Map<string, ExchangeType>();
  private readonly declared = new Map<string, QueueSpec>();
  private readonly deadDeclared = new Set<string>();
  private readonly consumers = new Set<AmqpConsumer>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    uri: string,
    private readonly options: AmqpTransportOptions = {},
  ) {
    const parsed = parseAmqpUri(uri);
    this.linker = new Linker(
      parsed.url,
      parsed.tls,
      {
        prepare: (link, reconnect) => this.prepare(link, reconnect),
        up: (downMs) => {
          if (downMs === undefined) return;
          this.reconnectedAt = Date.now();
          this.options.onReconnect?.();
        },
        down: (err) => {
          this.reconnectedAt = Date.now();
          this.options.onConnectionLost?.();
          for (const c of this.consumers) c.detach();
          this.reportError(
            new Error(`connection to the broker lost (${err.message}); reconnecting`),
          );
        },
        error: (err) => this.reportError(err),
      },
      options.reconnectBackoff,
    );
    this.sweeper = new Sweeper({
      sharedQueues: () =>
        [...this.declared.values()].filter((s) => !isPrivate(s)).map((s) => s.name),
      channel: () => this.linker.channel("sweep"),
      settleRedelivered: (queue, m) => this.settleRedelivered(queue, m),
      republish: (queue, m) => this.send("", queue, republished(m, {})).then(() => undefined),
    });
    this.timer = setInterval(() => {
      if (this.linker.current && !this.closed)
        this.sweeper.look().catch((err: Error) => this.reportError(err));
    }, options.sweepIntervalMs ?? 1000);
    this.timer.unref();
  }

  private reportError(error: Error): void {
    if (!this.closed) this.options.onError?.(error);
  }

  /** On every connect: after a reconnect, everything declared again, then consumers resumed. */
  private async prepare(link: Link, reconnect: boolean): Promise<void> {
    this.deadDeclared.clear();
    if (reconnect) {
      const channel = await this.linker.adminChannel();
      for (const [name, type] of this.exchanges) await declareExchange(channel, name, type);
      for (const spec of this.declared.values()) await declareQueue(channel, spec);
    }
    for (const c of this.consumers) await c.attach(link.connection);
  }

  async ping(): Promise<void> {
    await this.linker.ready();
  }

  async declareExchange(name: string, type: ExchangeType): Promise<void> {
    this.exchanges.set(name, type);
    await declareExchange(await this.linker.adminChannel(), name, type);
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    this.declared.set(spec.name, spec);
    await declareQueue(await this.linker.adminChannel(), spec);
  }

  async deleteQueue(spec: QueueSpec): Promise<void> {
    this.declared.delete(spec.name);
    const channel = await this.linker.adminChannel();
    await channel.deleteQueue(spec.name);
  }

  async publish(exchange: string, routingKey: string, envelope: Envelope): Promise<PublishOutcome> {
    const routed = await this.send(exchange, routingKey, toAmqp(envelope));
    return { routed };
  }

  async publishMessage(input: MessageInput): Promise<PublishOutcome> {
    const routed = await this.send(input.exchange, input.routingKey, messageOf(input));
    return { routed };
  }

  /** A confirmed publish, tried again on the next connection if this one was lost meanwhile. */
  private async send(exchange: string, routingKey: string, message: AmqpMessage): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const link = await this.linker.ready();
      try {
        return await link.publisher.publish(exchange, routingKey, message);
      } catch (err) {
        if (attempt >= PUBLISH_ATTEMPTS || this.closed) throw err;
        if (this.linker.current === link) await delay(50 * attempt);
      }
    }
  }

  /** Counts a delivery to a consumer that died: published again with the count, or set aside. */
  private async settleRedelivered(queue: string, message: Message): Promise<void> {
    const count = redeliveriesOf(message) + 1;
    const counted = republished(message, { [REDELIVERIES_HEADER]: count, redelivered: true });
    if (count < MAX_DELIVERIES) {
      await this.send("", queue, counted);
      return;
    }
    await this.deadLetter(queue, counted);
    this.options.onDeadLetter?.({ queue, reason: `delivered ${count} times` });
  }

  private async deadLetter(queue: string, message: AmqpMessage): Promise<void> {
    const dead = `${queue}${DEAD_SUFFIX}`;
    if (!this.deadDeclared.has(dead)) {
      await declareQueue(await this.linker.adminChannel(), { name: dead, bindings: [] });
      this.deadDeclared.add(dead);
    }
    await this.send("", dead, message);
  }

  private async setAsideOversized(queue: string, message: Message, limit: number): Promise<void> {
    const size = message.content.length;
    await this.deadLetter(queue, republished(message, {}));
    const replyTo = message.properties.replyTo;
    let answered = false;
    if (typeof replyTo === "string" && replyTo !== "") {
      const correlation = message.properties.correlationId;
      const answer = parseEnvelope(
        oversizedAnswer(
          replyTo,
          typeof correlation === "string" ? correlation : undefined,
          size,
          limit,
        ),
      );
      if (answer) answered = await this.send("", replyTo, toAmqp(answer));
    }
    this.options.onDeadLetter?.({
      queue,
      reason: `oversized (${size} bytes)`,
      ...(answered ? { code: ErrorCode.INVALID_REQUEST } : {}),
    });
  }

  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer {
    const consumer = new AmqpConsumer(
      {
        settleRedelivered: (queue, m) => this.settleRedelivered(queue, m),
        setAsideOversized: (queue, m, limit) => this.setAsideOversized(queue, m, limit),
        putBack: (queue, m) =>
          this.send("", queue, republished(m, { redelivered: true })).then(() => undefined),
        connection: () => this.linker.current?.connection ?? null,
        reportError: (err) => this.reportError(err),
      },
      queues,
      callback,
      options,
    );
    this.consumers.add(consumer);
    const stop = consumer.stop.bind(consumer);
    consumer.stop = async () => {
      this.consumers.delete(consumer);
      await stop();
    };
    const link = this.linker.current;
    if (link) consumer.attach(link.connection).catch((err: Error) => this.reportError(err));
    return consumer;
  }

  abort(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.linker.abort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    if (this.linker.current) {
      for (const c of [...this.consumers]) {
        await c.stop();
        await c.restoreUnsettled().catch((err: Error) => this.reportError(err));
      }
      for (const spec of [...this.declared.values()])
        if (isPrivate(spec)) await this.deleteQueue(spec).catch((err) => this.reportError(err));
    }
    this.closed = true;
    await this.linker.close();
  }
}
