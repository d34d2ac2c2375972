/**
 * The bus as service authors see it: request / notify / subscribe / serve over any transport,
 * speaking JSON-RPC 2.0 on a topic exchange (WIRE.md).
 */
import { randomUUID } from "node:crypto";
import { type Logger, silentLogger } from "../base/logger.js";
import { ConnectionLog } from "./connection-log.js";
import { DEADLINE_HEADER } from "./deadline.js";
import {
  contentTypeOf,
  type DeliveryMode,
  envelopePayload,
  JSON_CONTENT_TYPE,
  TEXT_CONTENT_TYPE,
} from "./envelope.js";
import { type MessageInput, makeEnvelopeOf } from "./envelope-bytes.js";
import { BusClosedError, BusConnectError, NoRouteError } from "./errors.js";
import type { JsonText } from "./json-pieces.js";
import { encodeRequest, type Params } from "./jsonrpc.js";
import { ReplyQueue } from "./reply-queue.js";
import { type BusCounters, type DeliveryHandler, ServedQueue } from "./served-queue.js";
import type { Delivery, PublishOutcome, QueueSpec, Transport } from "./transport.js";
import { createTransport, redactUri, type TransportOptions } from "./transports/index.js";

export const DEFAULT_EXCHANGE = "commissaire";
/** The original client's request timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * After the transport reconnected, a request that reaches no queue is published again for this
 * long (within its own timeout): the services may not have re-declared their bindings yet.
 */
export const REBIND_GRACE_MS = 10_000;
const REPUBLISH_INTERVAL_MS = 100;

export interface BusOptions {
  exchange?: string;
  logger?: Logger;
  /** Default for request(); each call may override it. */
  timeoutMs?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export type StorageEvent = "created" | "updated" | "deleted";

export interface Subscription {
  readonly queue: string;
  close(): Promise<void>;
}

/** A subscription callback; a throw or a rejection is logged and counted, never fatal. */
export type SubscriberCallback = (body: unknown, delivery: Delivery) => unknown;

/** What can open subscriptions: the Bus, and a service (whose subscriptions close with it). */
export interface Subscriber {
  subscribe(bindingKey: string, callback: SubscriberCallback): Promise<Subscription>;
}

/** The default time to wait for the broker at start-up (`--connect-timeout`). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** The same connection problem is logged again only after this long. */
const REPEAT_PROBLEM_AFTER_MS = 30_000;

export interface ServeOptions {
  /** Handlers in flight at most (the in-flight limit). */
  prefetch: number;
  /** Larger messages never reach the handler (moved aside and answered -32600 by the transport). */
  maxMessageBytes?: number;
  /** Bytes of messages in flight at most (default: four times maxMessageBytes). */
  maxInFlightBytes?: number;
}

export class Bus implements Subscriber {
  readonly exchange: string;
  /** Subscription callbacks that threw or rejected (each logged). */
  subscriberFailures = 0;
  readonly logger: Logger;
  private readonly replies: ReplyQueue;
  private readonly timeoutMs: number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly exchangeDeclared: Promise<void>;
  private closed = false;
  /** Requests dropped past their deadline and messages taken out of circulation, in this bus. */
  readonly counters: BusCounters = {
    expired: 0,
    deadLettered: 0,
    connectionsLost: 0,
    reconnects: 0,
    redelivered: 0,
  };

  constructor(
    readonly transport: Transport,
    options: BusOptions = {},
  ) {
    this.exchange = options.exchange ?? DEFAULT_EXCHANGE;
    this.logger = options.logger ?? silentLogger();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.exchangeDeclared = transport.declareExchange(this.exchange, "topic");
    // Failures surface at the first use, which awaits this promise.
    this.exchangeDeclared.catch(() => undefined);
    this.replies = new ReplyQueue(transport, this.logger);
  }

  /**
   * A bus on the transport the URI names (redis://, rediss://, amqp://, amqps://, memory://). It connects in the
   * background; see open() to wait for the broker. A connection problem is logged once, and
   * again only if it changes or lasts.
   */
  static connect(uri: string, options: BusOptions & { transport?: TransportOptions } = {}): Bus {
    const logger = options.logger ?? silentLogger();
    let last = { text: "", at: 0 };
    const connection = new ConnectionLog(logger, { bus: redactUri(uri) });
    const transport = createTransport(uri, {
      onError: (err) => {
        options.transport?.onError?.(err);
        const now = Date.now();
        if (err.message === last.text && now - last.at < REPEAT_PROBLEM_AFTER_MS) return;
        last = { text: err.message, at: now };
        logger.warn({ err: err.message, bus: redactUri(uri) }, "bus connection problem");
      },
      onConnectionLost: () => {
        options.transport?.onConnectionLost?.();
        if (connection.lost()) bus.counters.connectionsLost += 1;
      },
      onReconnect: () => {
        options.transport?.onReconnect?.();
        last = { text: "", at: 0 };
        bus.counters.reconnects += 1;
        connection.restored();
      },
      onDeadLetter: (letter) => {
        options.transport?.onDeadLetter?.(letter);
        bus.counters.deadLettered += 1;
        logger.error(letter, `message moved to ${letter.queue}.dead`);
      },
      ...(options.transport?.memoryBroker ? { memoryBroker: options.transport.memoryBroker } : {}),
      ...(options.transport?.redis ? { redis: options.transport.redis } : {}),
      ...(options.transport?.amqp ? { amqp: options.transport.amqp } : {}),
    });
    const bus = new Bus(transport, { ...options, logger });
    return bus;
  }

  /**
   * A bus whose broker has answered: rejects with BusConnectError ("cannot connect to <uri>:
   * <cause>", the password left out) when it has not within connectTimeoutMs.
   */
  static async open(
    uri: string,
    options: BusOptions & { transport?: TransportOptions; connectTimeoutMs?: number } = {},
  ): Promise<Bus> {
    let cause = "no answer";
    const bus = Bus.connect(uri, {
      ...options,
      transport: {
        ...options.transport,
        onError: (err) => {
          cause = err.message || err.name;
          options.transport?.onError?.(err);
        },
      },
    });
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const answered = await Promise.race([bus.transport.ping().then(() => true), late]).catch(
      (err: Error) => {
        cause = err.message;
        return false;
      },
    );
    clearTimeout(timer);
    if (!answered) {
      await bus.close(0);
      throw new BusConnectError(redactUri(uri), `${cause} (waited ${timeoutMs} ms)`);
    }
    return bus;
  }

  private ensureOpen(what: string): void {
    if (this.closed) throw new BusClosedError(what);
  }

  /**
   * Calls `<routingKey>` and resolves to its result, or rejects with the error class of its error
   * (StorageLookupError, ContainerManagerError, RemoteProcedureCallError), a RequestTimeoutError
   * after timeoutMs, or a NoRouteError at once when no queue is bound for the routing key.
   */
  async request<T = unknown>(
    routingKey: string,
    params: Params = {},
    options: RequestOptions = {},
  ): Promise<T> {
    this.ensureOpen(`request ${routingKey}`);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const id = randomUUID();
    const method = routingKey.slice(routingKey.lastIndexOf(".") + 1);
    // Encoded first: params that cannot be encoded fail here, before any call is registered.
    const send = this.sender({
      payload: encodeRequest(id, method, params),
      exchange: this.exchange,
      routingKey,
      replyTo: this.replies.name,
      correlationId: id,
      // No handler starts after the caller stopped waiting (src/bus/deadline.ts).
      headers: { [DEADLINE_HEADER]: Date.now() + timeoutMs },
    });
    // The timeout covers everything, opening the reply queue included (Redis may be unreachable).
    const reply = this.replies.expect(id, routingKey, timeoutMs);
    this.replies
      .open()
      .then(() => this.publishRequest(id, routingKey, send))
      .catch((err: Error) => this.replies.fail(id, err));
    return (await reply) as T;
  }

  /**
   * Publishes a request; one that reaches no queue fails with NoRouteError at once, unless the
   * transport reconnected a moment ago (the broker restarted and the services are re-declaring
   * their bindings): then it is published again until it is routed or the call is over.
   */
  private async publishRequest(
    id: string,
    routingKey: string,
    send: () => Promise<PublishOutcome>,
  ): Promise<void> {
    await this.exchangeDeclared;
    for (;;) {
      const outcome = await send();
      if (outcome.routed) return;
      const since = this.transport.reconnectedAt;
      const rebinding = since !== undefined && Date.now() - since < REBIND_GRACE_MS;
      if (!rebinding || !this.replies.isPending(id) || this.closed) break;
      await new Promise((resolve) => setTimeout(resolve, REPUBLISH_INTERVAL_MS));
      if (!this.replies.isPending(id)) return;
    }
    this.replies.fail(id, new NoRouteError(this.exchange, routingKey));
  }

  /** A JSON-RPC notification: no id, no reply. Resolves to how many queues received it. */
  async notify(routingKey: string, params: Params = {}): Promise<number> {
    this.ensureOpen(`notify ${routingKey}`);
    const method = routingKey.slice(routingKey.lastIndexOf(".") + 1);
    return this.publish(routingKey, encodeRequest(undefined, method, params));
  }

  /** `notify.storage.<Class>.<event>` with the body of WIRE.md (the model's safe form). */
  async publishStorageNotification(
    className: string,
    event: StorageEvent,
    model: unknown,
  ): Promise<number> {
    this.ensureOpen(`publish a ${className} notification`);
    const body = JSON.stringify({ event, class: className, model });
    return this.publish(`notify.storage.${className}.${event}`, body, { deliveryMode: 1 });
  }

  /** Publishes a JSON text on the exchange (as text/plain with `contentType`, for bare records). */
  async publish(
    routingKey: string,
    payload: string,
    options: { deliveryMode?: DeliveryMode; contentType?: typeof TEXT_CONTENT_TYPE } = {},
  ): Promise<number> {
    await this.exchangeDeclared;
    const outcome = await this.sender({
      payload,
      exchange: this.exchange,
      routingKey,
      ...options,
    })();
    return outcome.queues ?? (outcome.routed ? 1 : 0);
  }

  /**
   * Sends a JSON-RPC response text to a reply queue, as the Python services do (text/plain), with
   * the request's correlation id when it had one.
   */
  async reply(replyTo: string, responseText: JsonText, correlationId?: string): Promise<void> {
    await this.sender({
      payload: responseText,
      exchange: "",
      routingKey: replyTo,
      contentType: TEXT_CONTENT_TYPE,
      ...(correlationId !== undefined ? { correlationId } : {}),
    })();
  }

  /**
   * Publishes a message (again each time it is called): straight from its parts where the
   * transport can (AMQP: no base64 body made to be decoded again), else as one envelope.
   */
  private sender(input: MessageInput): () => Promise<PublishOutcome> {
    const transport = this.transport;
    if (transport.publishMessage) {
      const direct = transport as Required<Pick<Transport, "publishMessage">>;
      return () => direct.publishMessage(input);
    }
    const envelope = makeEnvelopeOf(input);
    return () => transport.publish(input.exchange, input.routingKey, envelope);
  }

  /**
   * Listens on a binding key (e.g. `notify.storage.#`) with a queue of its own, removed on close.
   * Each message's JSON body goes to the callback; one that is not JSON is logged and skipped.
   */
  async subscribe(bindingKey: string, callback: SubscriberCallback): Promise<Subscription> {
    this.ensureOpen(`subscribe to ${bindingKey}`);
    await this.exchangeDeclared;
    const spec: QueueSpec = {
      name: `listen-${randomUUID()}`,
      bindings: [{ exchange: this.exchange, routingKey: bindingKey }],
      exclusive: true,
    };
    await this.transport.declareQueue(spec);
    const consumer = this.transport.consume(
      [spec.name],
      (delivery) => {
        const type = contentTypeOf(delivery.envelope);
        let body: unknown;
        try {
          if (type !== JSON_CONTENT_TYPE && type !== TEXT_CONTENT_TYPE)
            throw new Error(`content type ${type}`);
          body = JSON.parse(envelopePayload(delivery.envelope));
        } catch (err) {
          this.logger.warn(
            { routingKey: delivery.routingKey, err: (err as Error).message },
            "unreadable message skipped",
          );
          return;
        }
        const failed = (err: unknown) => {
          this.subscriberFailures += 1;
          this.logger.error({ err, routingKey: delivery.routingKey }, "subscriber callback failed");
        };
        try {
          const pending = callback(body, delivery);
          if (pending instanceof Promise) pending.catch(failed);
        } catch (err) {
          failed(err);
        }
      },
      { prefetch: 1, noAck: true },
    );
    const subscription: Subscription = {
      queue: spec.name,
      close: async () => {
        this.subscriptions.delete(subscription);
        await consumer.stop();
        await this.transport.deleteQueue(spec);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Declares a shared queue and hands its deliveries to a handler (see ServedQueue). */
  async serve(
    spec: QueueSpec,
    handler: DeliveryHandler,
    options: ServeOptions,
  ): Promise<ServedQueue> {
    this.ensureOpen(`serve ${spec.name}`);
    await this.exchangeDeclared;
    await this.transport.declareQueue(spec);
    const consume = {
      prefetch: options.prefetch,
      ...(options.maxMessageBytes !== undefined
        ? {
            maxMessageBytes: options.maxMessageBytes,
            maxInFlightBytes: options.maxInFlightBytes ?? 4 * options.maxMessageBytes,
          }
        : {}),
    };
    return new ServedQueue(
      this.transport,
      [spec.name],
      handler,
      consume,
      this.logger,
      this.counters,
    );
  }

  /**
   * Fails calls still waiting, removes the reply queue and subscriptions, closes the transport.
   * When that cannot finish within deadlineMs (the server is unreachable), connections are dropped.
   */
  async close(deadlineMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const graceful = (async () => {
      await this.replies.close();
      for (const s of [...this.subscriptions]) await s.close().catch(() => undefined);
      await this.transport.close();
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), deadlineMs);
    });
    const late = await Promise.race([graceful.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.logger.warn({ deadlineMs }, "bus close did not finish in time; connections dropped");
      this.transport.abort();
      graceful.catch(() => undefined);
    }
  }
}
