/**
 * What a transport does: move envelopes between named queues bound to exchanges. It knows nothing
 * of JSON-RPC; the protocol lives in the Bus above it (one module, whatever the transport).
 */
import type { Envelope } from "./envelope.js";

export type ExchangeType = "topic" | "direct";

export interface Binding {
  exchange: string;
  routingKey: string;
}

export interface QueueSpec {
  name: string;
  bindings: Binding[];
  /** Removed (with its bindings) when the consumer that declared it closes. */
  autoDelete?: boolean;
}

/** One message handed to a consumer. Settle it with the consumer's ack / reject. */
export interface Delivery {
  readonly envelope: Envelope;
  /** The queue it was taken from. */
  readonly queue: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  readonly tag: string;
  /** Size of the raw message in bytes, before any decoding. */
  readonly size: number;
}

export interface ConsumeOptions {
  /** Deliveries handed out and not yet settled, at most (the in-flight limit). */
  prefetch: number;
  /** Deliveries count as settled when handed out (reply queues, notification listeners). */
  noAck: boolean;
}

export interface Consumer {
  ack(delivery: Delivery): Promise<void>;
  /** requeue=true puts it back at the head of its queue, flagged redelivered. */
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
  onError?: (error: Error) => void;
}

export interface Transport {
  readonly kind: string;
  declareExchange(name: string, type: ExchangeType): void;
  declareQueue(spec: QueueSpec): Promise<void>;
  deleteQueue(spec: QueueSpec): Promise<void>;
  /** Routes and stores one copy per matching queue; returns how many queues got it. */
  publish(exchange: string, routingKey: string, envelope: Envelope): Promise<number>;
  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer;
  /** Resolves once the broker answers (waits while it cannot be reached). */
  ping(): Promise<void>;
  /** Stops every consumer, restores what they hold unsettled, releases connections. */
  close(): Promise<void>;
  /** Drops every connection at once (when close() cannot finish: the server is unreachable). */
  abort(): void;
}
