/**
 * Publishing under publisher confirms: a publish resolves once the broker has taken the message
 * (written it to every queue it routed to, to disk for persistent messages on durable queues).
 * Publishes to an exchange are `mandatory`, so the broker says when no queue took one: it returns
 * the message before confirming it, matched here by a message id of our own.
 */
import { randomUUID } from "node:crypto";
import type { ConfirmChannel, Message } from "amqplib";
import type { AmqpMessage } from "./message.js";

export class Publisher {
  private readonly prefix = randomUUID();
  private sequence = 0;
  private readonly returned = new Set<string>();

  constructor(readonly channel: ConfirmChannel) {
    channel.on("return", (message: Message) => {
      const id = message.properties.messageId;
      if (typeof id === "string") this.returned.add(id);
    });
  }

  /** Resolves to whether a queue took the message (always true for the default exchange). */
  publish(exchange: string, routingKey: string, message: AmqpMessage): Promise<boolean> {
    const mandatory = exchange !== "";
    const id = mandatory ? `${this.prefix}.${++this.sequence}` : undefined;
    const options = { ...message.options, mandatory, ...(id ? { messageId: id } : {}) };
    return new Promise((resolve, reject) => {
      try {
        this.channel.publish(exchange, routingKey, message.content, options, (err: unknown) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          resolve(id === undefined || !this.returned.delete(id));
        });
      } catch (err) {
        // The channel closed under us (its connection is gone): the caller retries or fails.
        reject(err as Error);
      }
    });
  }
}
