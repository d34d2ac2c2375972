/**
 * Declarations with kombu's flags (WIRE.md section 3): RabbitMQ refuses a second declaration
 * whose flags or arguments differ (406 PRECONDITION_FAILED), so a queue or exchange that a kombu
 * peer may also declare is declared exactly as kombu does, without arguments.
 */
import type { Channel } from "amqplib";
import { QueueLockedError } from "../../errors.js";
import type { ExchangeType, QueueSpec } from "../../transport.js";

/** AMQP's RESOURCE_LOCKED: the queue is exclusive to another connection. */
const RESOURCE_LOCKED = 405;

/** Queues that are only ever ours (reply queues, subscriptions): gone with their process. */
export function isPrivate(spec: QueueSpec): boolean {
  return spec.autoDelete === true || spec.exclusive === true;
}

/**
 * An auto-delete queue unused (no consumer) this long is removed by the broker: one that was
 * declared and never consumed (its process died in between) does not stay.
 */
const UNUSED_QUEUE_EXPIRES_MS = 60_000;

/**
 * Topic exchanges (the shared `commissaire` exchange) as kombu's Exchange: durable, not
 * auto-delete. Direct exchanges are only the ones our reply queues are bound to, named after the
 * queue: auto-delete, so they go with it.
 */
export async function declareExchange(
  channel: Channel,
  name: string,
  type: ExchangeType,
): Promise<void> {
  if (name === "") return; // the default exchange
  const durable = type === "topic";
  await channel.assertExchange(name, type, { durable, autoDelete: !durable });
}

/**
 * Shared queues (a service's named queue) as kombu's Queue: durable, not exclusive, not
 * auto-delete, no arguments. Auto-delete queues (reply queues, subscriptions) are only ever ours:
 * transient, removed by the broker when their last consumer goes (our process ended or died).
 */
export async function declareQueue(channel: Channel, spec: QueueSpec): Promise<void> {
  if (spec.exclusive) {
    // The broker enforces it and removes the queue with the connection that declared it.
    try {
      await channel.assertQueue(spec.name, { durable: false, exclusive: true, autoDelete: true });
    } catch (err) {
      if ((err as { code?: unknown }).code === RESOURCE_LOCKED)
        throw new QueueLockedError(spec.name);
      throw err;
    }
  } else if (spec.autoDelete) {
    await channel.assertQueue(spec.name, {
      durable: false,
      exclusive: false,
      autoDelete: true,
      expires: UNUSED_QUEUE_EXPIRES_MS,
    });
  } else {
    await channel.assertQueue(spec.name, { durable: true, exclusive: false, autoDelete: false });
  }
  for (const b of spec.bindings)
    if (b.exchange !== "") await channel.bindQueue(spec.name, b.exchange, b.routingKey);
}
