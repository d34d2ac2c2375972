/**
 * Acknowledgements of one channel, sent together: the messages a consumer settles together (the
 * handlers of one read from the socket finish in the same run of microtasks) are acknowledged by
 * one `multiple` ack (the broker's work and ours is per frame, not per message). It goes out in
 * the same socket write as the replies those handlers sent (amqplib writes on setImmediate).
 * A multiple ack covers every unacknowledged delivery up to its tag, so it only ever goes up to
 * the first delivery still unsettled; settled ones behind that delivery are acknowledged one by
 * one, so that a long handler holds no other message's place.
 */
import type { Message } from "amqplib";

/** What this needs of an amqplib channel. */
export interface AckChannel {
  ack(message: Message, allUpTo?: boolean): void;
  nack(message: Message, allUpTo?: boolean, requeue?: boolean): void;
}

const UNSETTLED = 0;
const TO_ACK = 1;
/** Acknowledged or rejected on its own already. */
const DONE = 2;

interface Entry {
  message: Message;
  state: typeof UNSETTLED | typeof TO_ACK | typeof DONE;
}

export class AckBatch {
  /** Deliveries in the order (and so the tag order) the broker sent them, from `head` on. */
  private entries: Entry[] = [];
  private head = 0;
  private readonly byTag = new Map<number, Entry>();
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly channel: AckChannel,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Every delivery of the channel that will be settled, as it arrives. */
  delivered(message: Message): void {
    const entry: Entry = { message, state: UNSETTLED };
    this.entries.push(entry);
    this.byTag.set(message.fields.deliveryTag, entry);
  }

  /** Acknowledged once the microtasks queued now have run, with the others settled meanwhile. */
  ack(message: Message): void {
    const entry = this.byTag.get(message.fields.deliveryTag);
    if (!entry || entry.state !== UNSETTLED || this.closed) return;
    entry.state = TO_ACK;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Rejected at once: a later multiple ack must not cover it. */
  nack(message: Message, requeue: boolean): void {
    const entry = this.byTag.get(message.fields.deliveryTag);
    if (!entry || entry.state !== UNSETTLED || this.closed) return;
    entry.state = DONE;
    this.send(() => this.channel.nack(message, false, requeue));
  }

  /** Sends what is settled now (before the channel is closed, and after each run of settling). */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    let upTo: Entry | null = null;
    while (this.head < this.entries.length && this.entries[this.head]!.state !== UNSETTLED) {
      const entry = this.entries[this.head++]!;
      if (entry.state === TO_ACK) upTo = entry;
      this.byTag.delete(entry.message.fields.deliveryTag);
    }
    if (this.head > 256 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (upTo) {
      const last = upTo.message;
      this.send(() => this.channel.ack(last, true));
    }
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.state !== TO_ACK) continue;
      entry.state = DONE;
      this.send(() => this.channel.ack(entry.message));
    }
  }

  /** The channel is gone: what it held is the broker's again, nothing more is sent. */
  close(): void {
    this.closed = true;
    this.entries = [];
    this.head = 0;
    this.byTag.clear();
  }

  private send(frame: () => void): void {
    try {
      frame();
    } catch (err) {
      // The channel closed under us: the broker gives back what it held.
      this.onError(err as Error);
    }
  }
}
