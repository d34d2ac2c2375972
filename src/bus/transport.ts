/**
 * What a transport does: move envelopes between named queues bound to exchanges. It knows nothing
 * of JSON-RPC; the protocol lives in the Bus above it (one module, whatever the transport).
 * docs/transports.md states the contract and test/helpers/transport-suite.ts checks it.
 */
import type { Envelope } from "./envelope.js";
import type { MessageInput } from "./envelope-bytes.js";

export type ExchangeType = "topic" | "direct";

export interface Binding {
  exchange: string;
  routingKey: string;
}

export interface QueueSpec {
  name: string;
  bindings: Binding[];
  /**
   * Removed (with its bindings) when the transport that declared it closes, and by any live
   * process once that transport is dead (its process crashed).
   */
  autoDelete?: boolean;
  /**
   * Only the transport that declared it uses it (AMQP's exclusive queue): declaring it from another
   * live transport fails with QueueLockedError. Implies autoDelete.
   */
  exclusive?: boolean;
}

/** One message handed to a consumer. Settle it with the consumer's ack / reject. */
export interface Delivery {
  readonly envelope: Envelope;
  /** The queue it was taken from. */
  readonly queue: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  /** The transport's handle on this delivery (unique among the consumer's unsettled ones). */
  readonly tag: string;
  /** Size of the raw message in bytes, before any decoding. */
  readonly size: number;
}

export interface ConsumeOptions {
  /** Deliveries handed out and not yet settled, at most (the in-flight limit). */
  prefetch: number;
  /** Deliveries count as settled when handed out (reply queues, notification listeners). */
  noAck: boolean;
  /**
   * Larger messages never reach the callback: the transport moves them to `<queue>.dead` and
   * answers -32600 to their reply_to when it can read it without decoding the body.
   */
  maxMessageBytes?: number;
  /** Bytes of unsettled deliveries at most (one message is always let through). */
  maxInFlightBytes?: number;
}

export interface Consumer {
  ack(delivery: Delivery): Promise<void>;
  /**
   * requeue=true puts it back at the head of its queue, flagged redelivered; false drops it
   * (an expired request).
   */
  reject(delivery: Delivery, requeue: boolean): Promise<void>;
  /** Stops taking messages; once resolved, no further delivery reaches the callback. */
  stop(): Promise<void>;
  /** Puts every unsettled delivery back on its queue (flagged redelivered). */
  restoreUnsettled(): Promise<number>;
  /** Unsettled deliveries. */
  readonly inFlight: number;
}

export type DeliveryCallback = (delivery: Delivery) => void;

export interface TransportEvents {
  /** A connection was (re)established; emitted after the transport re-declared its bindings. */
  onReconnect?: () => void;
  /** The broker connection dropped (once per outage; onReconnect ends it). */
  onConnectionLost?: () => void;
  onError?: (error: Error) => void;
  /** A message taken out of circulation (poison after too many deliveries, oversized). */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** A message moved to `<queue>.dead`, and why. */
export interface DeadLetter {
  queue: string;
  reason: string;
  /** The JSON-RPC error code its caller was answered with, when it was answered. */
  code?: number;
}

/** What a publish achieved, as far as the transport can tell. */
export interface PublishOutcome {
  /** At least one queue took the message. */
  routed: boolean;
  /** How many queues took it, when the transport knows (Redis routes itself; AMQP does not say). */
  queues?: number;
}

export interface Transport {
  readonly kind: string;
  /** Unix ms of the last lost or re-established connection (undefined while none was lost). */
  readonly reconnectedAt?: number;
  declareExchange(name: string, type: ExchangeType): Promise<void>;
  declareQueue(spec: QueueSpec): Promise<void>;
  deleteQueue(spec: QueueSpec): Promise<void>;
  /** Routes and stores one copy per matching queue. */
  publish(exchange: string, routingKey: string, envelope: Envelope): Promise<PublishOutcome>;
  /**
   * Optional: publishes what `publish(input.exchange, input.routingKey, makeEnvelopeOf(input))`
   * would, without making the envelope, for a transport whose wire form is not the envelope
   * (AMQP sends the payload bytes as they are: no base64 body, no delivery tag to make).
   */
  publishMessage?(input: MessageInput): Promise<PublishOutcome>;
  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer;
  /** Resolves once the broker answers (waits while it cannot be reached). */
  ping(): Promise<void>;
  /** Stops every consumer, restores what they hold unsettled, releases connections. */
  close(): Promise<void>;
  /**
   * Drops every connection at once, as a crash would: what consumers hold unsettled is returned to
   * its queues by the transport's liveness rules (at once on memory, within seconds on Redis).
   */
  abort(): void;
}

/** Header that counts how often a message was taken back from a consumer that died. */
export const REDELIVERIES_HEADER = "x-commissaire-redeliveries";
/** Deliveries after which a message goes to `<queue>.dead` instead of its queue. */
export const MAX_DELIVERIES = 5;
export const DEAD_SUFFIX = ".dead";
