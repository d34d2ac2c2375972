/**
 * A consumer on its own channel. Acknowledged consumers are acked after the work (RabbitMQ gives
 * back what a dead channel held, flagged redelivered); such a redelivered message is counted in
 * its header and published again, or moved to `<queue>.dead` after 5 deliveries, before any
 * handler sees it. The byte budget is kept by the channel's prefetch, raised and lowered as
 * deliveries come and go, so that what does not fit stays on the queue. The acknowledgements of
 * handlers that finish together go as one multiple ack (acks.ts).
 */
import type { Channel, ChannelModel, ConsumeMessage, Message } from "amqplib";
import type { ConsumeOptions, Consumer, Delivery, DeliveryCallback } from "../../transport.js";
import { AckBatch } from "./acks.js";
import { fromAmqp, originOf, redeliveriesOf } from "./message.js";

/** What a consumer needs from its transport. */
export interface ConsumerHost {
  /** Counts a redelivery: the message is published again or set aside; then it may be acked. */
  settleRedelivered(queue: string, message: Message): Promise<void>;
  /** Sets an oversized message aside and answers its caller; then it may be acked. */
  setAsideOversized(queue: string, message: Message, limit: number): Promise<void>;
  /** Publishes the message again on its queue, flagged redelivered (not counted). */
  putBack(queue: string, message: Message): Promise<void>;
  /** The connection of the moment, if any (to open a new channel on). */
  connection(): ChannelModel | null;
  reportError(error: Error): void;
}

interface Held {
  delivery: Delivery;
  message: Message;
  /** The acknowledgements of the channel it came on. */
  acks: AckBatch;
}

export class AmqpConsumer implements Consumer {
  private channel: Channel | null = null;
  private acks: AckBatch | null = null;
  private attachedTo: ChannelModel | null = null;
  private readonly held = new Map<string, Held>();
  private consumerTags: string[] = [];
  private generation = 0;
  private bytes = 0;
  /** Messages being counted or set aside: unacked on the broker, not handed out. */
  private settling = 0;
  private limit = 0;
  private averageSize = 0;
  private stopped = false;

  constructor(
    private readonly host: ConsumerHost,
    readonly queues: readonly string[],
    private readonly callback: DeliveryCallback,
    private readonly options: ConsumeOptions,
  ) {}

  get inFlight(): number {
    return this.held.size;
  }

  /** Starts consuming on a new channel of this connection (again after a reconnect). */
  async attach(connection: ChannelModel): Promise<void> {
    if (this.stopped || this.attachedTo === connection) return;
    this.detach();
    this.attachedTo = connection;
    const generation = this.generation;
    const channel = await connection.createChannel();
    channel.on("error", (err: Error) => this.host.reportError(err));
    channel.on("close", () => this.channelClosed(channel));
    this.channel = channel;
    const acks = new AckBatch(channel, (err) => this.host.reportError(err));
    this.acks = acks;
    if (!this.options.noAck) {
      this.limit = this.wantedLimit();
      // global: the limit is the channel's, shared by its consumers, and can change as we go.
      await channel.prefetch(this.limit, true);
    }
    const tags: string[] = [];
    for (const queue of this.queues) {
      const reply = await channel.consume(
        queue,
        (m) => this.onMessage(acks, generation, queue, m),
        {
          noAck: this.options.noAck,
        },
      );
      tags.push(reply.consumerTag);
    }
    this.consumerTags = tags;
  }

  /** The connection is gone: what we held is the broker's again (it redelivers it). */
  detach(): void {
    this.generation += 1;
    this.acks?.close();
    this.acks = null;
    this.channel = null;
    this.attachedTo = null;
    this.held.clear();
    this.bytes = 0;
    this.settling = 0;
  }

  private channelClosed(channel: Channel): void {
    if (this.channel !== channel) return;
    this.detach();
    // A channel closed by the broker on a live connection (an error): consume on a new one.
    const connection = this.host.connection();
    if (connection && !this.stopped)
      this.attach(connection).catch((err: Error) => this.host.reportError(err));
  }

  private onMessage(
    acks: AckBatch,
    generation: number,
    queue: string,
    message: ConsumeMessage | null,
  ): void {
    if (message === null) return; // cancelled by the broker (the queue was deleted)
    if (generation !== this.generation) return;
    const tag = `${generation}.${message.fields.deliveryTag}`;
    if (this.options.noAck) {
      if (!this.stopped) this.callback(this.toDelivery(queue, message, tag));
      return;
    }
    acks.delivered(message);
    const size = message.content.length;
    const limit = this.options.maxMessageBytes;
    let settle: (() => Promise<void>) | null = null;
    if (this.stopped) settle = () => this.host.putBack(queue, message);
    else if (limit !== undefined && size > limit)
      settle = () => this.host.setAsideOversized(queue, message, limit);
    else if (message.fields.redelivered) settle = () => this.host.settleRedelivered(queue, message);
    if (settle) {
      this.settling += 1;
      settle()
        .then(() => {
          if (generation === this.generation) acks.ack(message);
        })
        .catch((err: Error) => this.host.reportError(err))
        .finally(() => {
          if (generation !== this.generation) return;
          this.settling -= 1;
          this.adjust();
        });
      return;
    }
    const delivery = this.toDelivery(queue, message, tag);
    this.held.set(tag, { delivery, message, acks });
    this.bytes += size;
    this.averageSize = this.averageSize ? this.averageSize * 0.8 + size * 0.2 : size;
    this.adjust();
    this.callback(delivery);
  }

  private toDelivery(queue: string, message: Message, tag: string): Delivery {
    const headers = message.properties.headers ?? {};
    const origin = originOf(message);
    return {
      envelope: fromAmqp(message, tag),
      queue,
      exchange: origin.exchange,
      routingKey: origin.routingKey,
      redelivered:
        message.fields.redelivered || headers.redelivered === true || redeliveriesOf(message) > 0,
      tag,
      size: message.content.length,
    };
  }

  /** The prefetch that lets in as many more messages as the byte budget has room for. */
  private wantedLimit(): number {
    const budget = this.options.maxInFlightBytes;
    const taken = this.held.size + this.settling;
    if (budget === undefined) return this.options.prefetch;
    const room = budget - this.bytes;
    let more = this.averageSize > 0 ? Math.floor(room / this.averageSize) : 1;
    if (taken === 0) more = Math.max(1, more); // one message always gets through
    return Math.max(1, Math.min(this.options.prefetch, taken + Math.max(0, more)));
  }

  private adjust(): void {
    if (this.options.noAck || !this.channel) return;
    const wanted = this.wantedLimit();
    if (wanted === this.limit) return;
    this.limit = wanted;
    this.channel.prefetch(wanted, true).catch(() => undefined);
  }

  private release(delivery: Delivery): Held | undefined {
    const held = this.held.get(delivery.tag);
    if (!held) return undefined;
    this.held.delete(delivery.tag);
    this.bytes -= delivery.size;
    // The new limit goes out before the acknowledgement that makes room.
    this.adjust();
    return held;
  }

  async ack(delivery: Delivery): Promise<void> {
    const held = this.release(delivery);
    if (held && held.acks === this.acks) held.acks.ack(held.message);
  }

  async reject(delivery: Delivery, requeue: boolean): Promise<void> {
    const held = this.release(delivery);
    if (!held || held.acks !== this.acks) return;
    if (!requeue) return held.acks.nack(held.message, false);
    // Published again flagged redelivered, then acked: a requeue of the broker's own would look
    // like a delivery to a consumer that died and be counted as one.
    await this.host.putBack(delivery.queue, held.message);
    if (held.acks === this.acks) held.acks.ack(held.message);
  }

  async restoreUnsettled(): Promise<number> {
    const items = [...this.held.values()];
    for (const h of items) this.release(h.delivery);
    await Promise.all(
      items.map(async (h) => {
        await this.host.putBack(h.delivery.queue, h.message);
        if (h.acks === this.acks) h.acks.ack(h.message);
      }),
    );
    if (this.stopped) await this.closeChannel();
    return items.length;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const channel = this.channel;
    if (!channel) return;
    // After cancel-ok no delivery comes; those already on their way are put back.
    await Promise.all(this.consumerTags.map((t) => channel.cancel(t).catch(() => undefined)));
    if (this.options.noAck || this.held.size === 0) await this.closeChannel();
  }

  private async closeChannel(): Promise<void> {
    const channel = this.channel;
    if (!channel || this.held.size > 0 || this.settling > 0) return;
    // What was settled goes out before the close, on the same channel.
    this.acks?.flush();
    this.detach();
    await channel.close().catch(() => undefined);
  }
}
