/**
 * Publishing under publisher confirms: a publish resolves once the broker has taken the message
 * (written it to every queue it routed to, to disk for persistent messages on durable queues).
 * Publishes to an exchange are `mandatory`, so the broker says when no queue took one: it returns
 * the message before confirming it, matched here by a message id of our own.
 */
import { randomUUID } from "node:crypto";
import type { ConfirmChannel, Message } from "amqplib";
import type { AmqpMessage } from "./message.js";

/** basic.publish's fields and the message's properties, in one object as amqplib encodes them. */
interface PublishFields {
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  immediate: false;
  headers: Record<string, unknown>;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  deliveryMode: number | undefined;
  priority: number | undefined;
  correlationId: string | undefined;
  replyTo: string | undefined;
  messageId: string | undefined;
}

/**
 * The two steps of amqplib's ConfirmChannel.publish. Its own publish makes each message's headers
 * object the prototype of a new one, which V8 makes costly (a new prototype map per message); the
 * same frames are sent here from a plain object. Looked up at each call: a closed channel
 * replaces sendMessage with one that throws.
 */
interface PublishSteps {
  sendMessage(fields: PublishFields, properties: PublishFields, content: Buffer): boolean;
  pushConfirmCallback(callback: (err: unknown) => void): void;
}

function publishSteps(channel: ConfirmChannel): PublishSteps | null {
  const steps = channel as unknown as Partial<PublishSteps>;
  return typeof steps.sendMessage === "function" && typeof steps.pushConfirmCallback === "function"
    ? (steps as PublishSteps)
    : null;
}

export class Publisher {
  private readonly prefix = randomUUID();
  private sequence = 0;
  private readonly returned = new Set<string>();
  private readonly steps: PublishSteps | null;

  constructor(readonly channel: ConfirmChannel) {
    this.steps = publishSteps(channel);
    channel.on("return", (message: Message) => {
      const id = message.properties.messageId;
      if (typeof id === "string") this.returned.add(id);
    });
  }

  /** Resolves to whether a queue took the message (always true for the default exchange). */
  publish(exchange: string, routingKey: string, message: AmqpMessage): Promise<boolean> {
    const mandatory = exchange !== "";
    const id = mandatory ? `${this.prefix}.${++this.sequence}` : message.options.messageId;
    return new Promise((resolve, reject) => {
      const confirmed = (err: unknown) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        resolve(!mandatory || id === undefined || !this.returned.delete(id));
      };
      try {
        this.send(exchange, routingKey, mandatory, id, message, confirmed);
      } catch (err) {
        // The channel closed under us (its connection is gone): the caller retries or fails.
        reject(err as Error);
      }
    });
  }

  private send(
    exchange: string,
    routingKey: string,
    mandatory: boolean,
    messageId: string | undefined,
    { content, options }: AmqpMessage,
    confirmed: (err: unknown) => void,
  ): void {
    if (!this.steps) {
      const withId = { ...options, mandatory, ...(messageId ? { messageId } : {}) };
      this.channel.publish(exchange, routingKey, content, withId, confirmed);
      return;
    }
    const fields: PublishFields = {
      exchange,
      routingKey,
      mandatory,
      immediate: false,
      headers: options.headers ?? {},
      contentType: options.contentType,
      contentEncoding: options.contentEncoding,
      deliveryMode: options.deliveryMode,
      priority: options.priority,
      correlationId: options.correlationId,
      replyTo: options.replyTo,
      messageId,
    };
    this.steps.sendMessage(fields, fields, content);
    this.steps.pushConfirmCallback(confirmed);
  }
}
