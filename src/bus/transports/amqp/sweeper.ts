/**
 * What RabbitMQ does not do for classic queues: count deliveries to consumers that died. A
 * consumer counts a redelivered message before handling it; but when the last consumer of a queue
 * dies, nobody takes it. So every process looks at the queues it declared: one found without
 * consumers on two looks in a row has its redelivered messages counted here (published again with
 * the count, or moved to `<queue>.dead` after 5 deliveries). The first message that was never
 * delivered ends the look: it is published again unchanged (a requeue would flag it redelivered).
 */
import type { Channel, Message } from "amqplib";

export interface SweeperHost {
  /** Queues this process declared that others may consume (not auto-delete ones). */
  sharedQueues(): string[];
  /** A channel for looking (a failed look may close it). */
  channel(): Promise<Channel>;
  settleRedelivered(queue: string, message: Message): Promise<void>;
  /** Publishes the message again on its queue, exactly as it was. */
  republish(queue: string, message: Message): Promise<void>;
}

/** Messages looked at per queue and look, at most. */
const BATCH = 100;

export class Sweeper {
  private readonly idleLooks = new Map<string, number>();
  /** Looks completed (tests wait on it). */
  looks = 0;

  constructor(private readonly host: SweeperHost) {}

  async look(): Promise<void> {
    const queues = this.host.sharedQueues();
    for (const queue of [...this.idleLooks.keys()])
      if (!queues.includes(queue)) this.idleLooks.delete(queue);
    for (const queue of queues) {
      const channel = await this.host.channel();
      const state = await channel.checkQueue(queue).catch(() => null);
      if (!state) continue; // deleted meanwhile (the look closed the channel; the next one opens)
      const { messageCount, consumerCount } = state;
      const idle =
        messageCount > 0 && consumerCount === 0 ? (this.idleLooks.get(queue) ?? 0) + 1 : 0;
      this.idleLooks.set(queue, idle);
      if (idle >= 2) await this.sweep(channel, queue);
    }
    this.looks += 1;
  }

  private async sweep(channel: Channel, queue: string): Promise<void> {
    for (let i = 0; i < BATCH; i++) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) return;
      if (!message.fields.redelivered) {
        await this.host.republish(queue, message);
        channel.ack(message);
        return;
      }
      await this.host.settleRedelivered(queue, message);
      channel.ack(message);
    }
  }
}
