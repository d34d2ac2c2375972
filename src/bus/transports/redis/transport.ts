/**
 * The redis:// and rediss:// transport: kombu's virtual protocol on Redis (WIRE.md section 2), so
 * Python services on kombu and ours share one bus in either role.
 */
import { randomUUID } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import { Redis, type RedisOptions } from "ioredis";
import { ChunkPool } from "../../byte-chunks.js";
import type { Envelope } from "../../envelope.js";
import { encodeEnvelope, envelopeBytes } from "../../envelope-bytes.js";
import { ErrorCode, QueueLockedError } from "../../errors.js";
import { keyToPattern, routeBindings, type StoredBinding } from "../../topic.js";
import {
  type ConsumeOptions,
  type Consumer,
  type DeliveryCallback,
  type ExchangeType,
  MAX_DELIVERIES,
  type PublishOutcome,
  type QueueSpec,
  type Transport,
  type TransportEvents,
} from "../../transport.js";
import { AwaitedReplies, type AwaitedReply } from "./awaited-replies.js";
import { closeConnection, DISCONNECT_TIMEOUT_MS, delay } from "./connection.js";
import { RedisConsumer } from "./consumer.js";
import {
  aliveKey,
  autoDeleteKey,
  bindingMember,
  bindingSetKey,
  EXCLUSIVE,
  inFlightKey,
  OWNERS,
  PRIORITY_STEPS,
  parseBindingMember,
  priorityKey,
} from "./keys.js";
import { restoreExpired } from "./kombu-restore.js";
import { pushLargeReply } from "./large-reply.js";
import { RedisListener } from "./listener.js";
import { type ScriptedRedis, TAKE_COMMAND, withScripts } from "./scripts.js";
import { parseRedisUri } from "./uri.js";
import { enableListKeyspaceEvents, WakeUps } from "./wake-ups.js";

export { type ParsedRedisUri, parseRedisUri } from "./uri.js";

export interface RedisTransportOptions extends TransportEvents {
  /** Unacked deliveries older than this are restored by any live process (kombu: 3600 s). */
  visibilityTimeoutMs?: number;
  /** How often this process looks for expired unacked deliveries. */
  restoreIntervalMs?: number;
  /** Longest sleep of an idle consumer between two looks at its lists, in seconds. */
  blockSeconds?: number;
  /** false: listeners (reply queues, subscriptions) pop with BRPOP even on Redis 7. */
  useBlmpop?: boolean;
  /**
   * How long this process's liveness key outlives its last refresh: once it is gone, any live
   * process puts what this process held back on its queues (default 4000 ms).
   */
  livenessTtlMs?: number;
  /** How often this process looks for dead owners (default 1000 ms). */
  sweepIntervalMs?: number;
  /** TTL of a reply list after each reply pushed onto it (default 120 s). */
  replyTtlMs?: number;
  /** Extra ioredis options (tests, TLS details). */
  redis?: RedisOptions;
}

export class RedisTransport implements Transport {
  readonly kind = "redis";
  readonly command: ScriptedRedis;
  readonly blockSeconds: number;
  readonly useBlmpop: boolean;
  /** This transport's name in our bookkeeping (its liveness key, in-flight hash...). */
  readonly owner = randomUUID();
  readonly replyTtlMs: number;
  reconnectedAt: number | undefined;
  private readonly url: string;
  private readonly tls: ConnectionOptions | undefined;
  private readonly consumers = new Set<RedisConsumer>();
  private readonly listeners = new Set<RedisListener>();
  private readonly declared = new Map<string, QueueSpec>();
  private readonly exchangeTypes = new Map<string, ExchangeType>();
  private readonly visibilityTimeoutMs: number;
  private readonly livenessTtlMs: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly wakeUps: WakeUps;
  private nextDelivery = 1;
  private registered = false;
  private readyOnce = false;
  /** Settles once bindings are written again after a reconnect; publishes wait for it. */
  private rebound: Promise<void> = Promise.resolve();
  private reboundDone: (() => void) | null = null;
  /** Publishes routed in JavaScript because a stored regex was outside the Lua script's subset. */
  fallbackRoutes = 0;
  /** Requests held by our consumers whose replies acknowledge them (awaited-replies.ts). */
  readonly replies = new AwaitedReplies();
  /** Chunks that large replies are written in, reused (byte-chunks.ts). */
  readonly chunks = new ChunkPool();
  /** Sweeps for dead owners completed by this transport (tests wait on it). */
  sweeps = 0;
  private closed = false;

  constructor(
    uri: string,
    private readonly options: RedisTransportOptions = {},
  ) {
    const parsed = parseRedisUri(uri);
    this.url = parsed.url;
    this.tls = parsed.tls;
    this.visibilityTimeoutMs =
      options.visibilityTimeoutMs ?? parsed.visibilityTimeoutMs ?? 3_600_000;
    this.blockSeconds = options.blockSeconds ?? 1;
    this.useBlmpop = options.useBlmpop ?? true;
    this.livenessTtlMs = options.livenessTtlMs ?? 4000;
    this.replyTtlMs = options.replyTtlMs ?? 120_000;
    // Commands issued in one event-loop turn leave in one write (replies, acks, publishes). A take
    // goes alone (a consumer takes when woken, with nothing else to send): sent directly, it
    // spares the auto-pipeline ioredis would build for it, a cost each request paid in full with
    // one in flight.
    this.command = this.connect({
      enableAutoPipelining: true,
      autoPipeliningIgnoredCommands: [TAKE_COMMAND],
    });
    this.command.on("ready", () => void this.onReady());
    this.command.on("close", () => this.connectionLost());
    const db = Number(new URL(this.url).pathname.slice(1) || 0);
    this.wakeUps = new WakeUps(
      // No ready check: its INFO fails once a SUBSCRIBE sent while connecting has put the
      // connection in subscriber mode (two consumers started back to back do that).
      () =>
        this.connect({
          maxRetriesPerRequest: null,
          connectionName: "commissaire-wake",
          enableReadyCheck: false,
        }),
      Number.isInteger(db) ? db : 0,
    );
    const every = (ms: number, work: () => Promise<void>) => {
      const t = setInterval(() => {
        if (!this.closed && this.command.status === "ready")
          work().catch((e) => this.reportError(e));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(100, Math.floor(this.livenessTtlMs / 4)), () => this.heartbeat());
    every(options.sweepIntervalMs ?? 1000, async () => void (await this.sweep()));
    every(
      options.restoreIntervalMs ?? Math.max(250, Math.min(10_000, this.visibilityTimeoutMs / 3)),
      async () => void (await this.restoreExpired()),
    );
  }

  private connect(extra: RedisOptions): ScriptedRedis {
    const tls = this.tls ? { tls: { ...this.tls, ...this.options.redis?.tls } } : {};
    const redis = new Redis(this.url, {
      lazyConnect: false,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      ...this.options.redis,
      ...tls,
      ...extra,
    });
    redis.on("error", (err) => this.reportError(err));
    return withScripts(redis);
  }

  newBlockingConnection(): ScriptedRedis {
    // A listener must never give up waiting for Redis to come back.
    return this.connect({ maxRetriesPerRequest: null, connectionName: "commissaire-consumer" });
  }

  reportError(error: Error): void {
    if (!this.closed) this.options.onError?.(error);
  }

  listenForUnrungPushes(consumer: RedisConsumer): void {
    if (this.consumers.has(consumer)) this.wakeUps.add(consumer);
  }

  reserve(count: number): number {
    const first = this.nextDelivery;
    this.nextDelivery += count;
    return first;
  }

  async ping(): Promise<void> {
    await this.command.ping();
  }

  setAside(queue: string, size: number, answered: boolean): void {
    this.options.onDeadLetter?.({
      queue,
      reason: `oversized (${size} bytes)`,
      ...(answered ? { code: ErrorCode.INVALID_REQUEST } : {}),
    });
  }

  private connectionLost(): void {
    if (this.closed) return;
    // A command sent before the loss may be replayed after the reconnect, before onReady is done:
    // its "no route" must already count as part of the reconnect.
    this.reconnectedAt = Date.now();
    if (this.reboundDone) return;
    if (this.readyOnce) this.options.onConnectionLost?.();
    this.rebound = new Promise((resolve) => (this.reboundDone = resolve));
  }

  /**
   * On every (re)connect: say we are alive, and after a reconnect declare our bindings again (a
   * restarted Redis may have lost them) before any publish of ours goes out.
   */
  private async onReady(): Promise<void> {
    const reconnect = this.readyOnce;
    this.readyOnce = true;
    if (reconnect) this.reconnectedAt = Date.now();
    try {
      await enableListKeyspaceEvents(this.command);
      await this.heartbeat();
      if (reconnect) {
        await Promise.all([...this.declared.values()].map((spec) => this.writeBindings(spec)));
        this.reconnectedAt = Date.now();
        this.options.onReconnect?.();
      }
    } catch (err) {
      this.reportError(err as Error);
    } finally {
      const done = this.reboundDone;
      this.reboundDone = null;
      done?.();
    }
  }

  /** Refreshes our liveness key; if we had been taken for dead, declares our queues again. */
  private async heartbeat(): Promise<void> {
    const [, added] = (await this.command
      .multi()
      .set(aliveKey(this.owner), "1", "PX", this.livenessTtlMs)
      .sadd(OWNERS, this.owner)
      .exec()) as [[Error | null, unknown], [Error | null, number]];
    if (added?.[1] === 1 && this.registered) {
      this.reportError(
        new Error("this process was taken for dead (stalled?); queues declared again"),
      );
      await Promise.all([...this.declared.values()].map((spec) => this.writeBindings(spec)));
    }
    this.registered = true;
  }

  /** Puts back what dead owners held and removes their auto-delete queues. */
  async sweep(): Promise<number> {
    const [restored, dead] = await this.command.sweepDeadOwners(OWNERS, MAX_DELIVERIES);
    for (let i = 0; i < dead.length; i += 2)
      this.options.onDeadLetter?.({
        queue: String(dead[i]),
        reason: `delivered ${dead[i + 1]} times`,
      });
    this.sweeps += 1;
    return restored;
  }

  async declareExchange(name: string, type: ExchangeType): Promise<void> {
    this.exchangeTypes.set(name, type);
  }

  private member(exchange: string, routingKey: string, queue: string): string {
    const type = this.exchangeTypes.get(exchange) ?? "topic";
    return bindingMember(routingKey, type === "topic" ? keyToPattern(routingKey) : "", queue);
  }

  private async writeBindings(spec: QueueSpec): Promise<void> {
    const pipe = this.command.pipeline();
    const pairs = spec.bindings.map((b) => [
      bindingSetKey(b.exchange),
      this.member(b.exchange, b.routingKey, spec.name),
    ]);
    for (const [set, member] of pairs) pipe.sadd(set!, member!);
    // Registered so that, if this process dies, any live one removes the queue and its bindings.
    const autoDelete = spec.autoDelete || spec.exclusive;
    if (autoDelete) pipe.hset(autoDeleteKey(this.owner), spec.name, JSON.stringify(pairs));
    if (pairs.length || autoDelete) await pipe.exec();
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    if (spec.exclusive && (await this.command.claimExclusive(EXCLUSIVE, spec.name, this.owner)))
      throw new QueueLockedError(spec.name);
    this.declared.set(spec.name, spec);
    await this.writeBindings(spec);
  }

  async deleteQueue(spec: QueueSpec): Promise<void> {
    this.declared.delete(spec.name);
    const pipe = this.command.pipeline();
    for (const b of spec.bindings)
      pipe.srem(bindingSetKey(b.exchange), this.member(b.exchange, b.routingKey, spec.name));
    for (const step of PRIORITY_STEPS) pipe.del(priorityKey(spec.name, step));
    pipe.hdel(autoDeleteKey(this.owner), spec.name);
    // Only a live declarer deletes its exclusive queue, so the entry is ours.
    if (spec.exclusive) pipe.hdel(EXCLUSIVE, spec.name);
    await pipe.exec();
  }

  async publish(exchange: string, routingKey: string, envelope: Envelope): Promise<PublishOutcome> {
    // After a reconnect, our own bindings go out before our publishes (or after 5 s regardless).
    if (this.reboundDone) await Promise.race([this.rebound, delay(5000)]);
    const priority = envelope.properties.priority ?? 0;
    const large = exchange === "" ? envelopeBytes(envelope) : undefined;
    if (large) {
      // A reply built from pieces (records' JSON from a cache): acknowledges its request too.
      const list = priorityKey(routingKey, priority);
      const answered = this.replies.claim(routingKey, envelope.properties.correlation_id);
      const ack = answered && { inFlight: inFlightKey(this.owner), tag: answered.tag };
      const via = this.replyConnection(answered);
      const sent = pushLargeReply(via, list, large, this.replyTtlMs, this.chunks, ack);
      answered?.acknowledgedBy(sent);
      await sent;
      return { routed: true, queues: 1 };
    }
    const raw = encodeEnvelope(envelope);
    if (exchange === "") {
      // Straight to a queue: a reply. Its list expires if nobody takes it (the caller died). The
      // request it answers, if one of ours holds it, is acknowledged in the same step.
      const list = priorityKey(routingKey, priority);
      const answered = this.replies.claim(routingKey, envelope.properties.correlation_id);
      if (answered) {
        const flight = inFlightKey(this.owner);
        const via = this.replyConnection(answered);
        const sent = via.pushReplyAndAck(list, flight, raw, this.replyTtlMs, answered.tag);
        answered.acknowledgedBy(sent);
        await sent;
      } else await this.command.pushReply(list, raw, this.replyTtlMs);
      return { routed: true, queues: 1 };
    }
    const suffix = priorityKey("", priority);
    const count = await this.command.routeAndPush(bindingSetKey(exchange), routingKey, raw, suffix);
    if (count >= 0) return { routed: count > 0, queues: count };
    // A stored regex the script cannot translate: route here, with the regex itself.
    this.fallbackRoutes += 1;
    const queues = await this.route(exchange, routingKey);
    if (queues.length) {
      const pipe = this.command.pipeline();
      for (const q of queues) pipe.lpush(priorityKey(q, priority), raw);
      await pipe.exec();
    }
    return { routed: queues.length > 0, queues: queues.length };
  }

  /**
   * The connection a reply that acknowledges `answered` goes out on: its consumer's own when it
   * lends it (consumer.ts, lend), so the reply and the consumer's next wait leave in one write.
   * Only while nothing of ours is on its way on the command connection: a reply must never
   * overtake what its handler published before it (a notification a caller may look for).
   */
  private replyConnection(answered: AwaitedReply | undefined): ScriptedRedis {
    const idle =
      this.command.status === "ready" &&
      this.command.autoPipelineQueueSize === 0 &&
      this.command.commandQueue.length === 0;
    return (idle && answered?.lend()) || this.command;
  }

  /** The queues a message reaches, by the stored bindings (kombu's _lookup). */
  async route(exchange: string, routingKey: string): Promise<string[]> {
    if (exchange === "") return [routingKey];
    const members = await this.command.smembers(bindingSetKey(exchange));
    const table = members.map(parseBindingMember).filter((b): b is StoredBinding => b !== null);
    return routeBindings(table, routingKey);
  }

  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer {
    if (options.noAck) {
      const listener = new RedisListener(this, queues, callback);
      this.listeners.add(listener);
      const stop = listener.stop.bind(listener);
      listener.stop = async () => {
        await stop();
        this.listeners.delete(listener);
      };
      return listener;
    }
    const consumer = new RedisConsumer(this, queues, callback, options);
    this.consumers.add(consumer);
    this.wakeUps.add(consumer);
    const stop = consumer.stop.bind(consumer);
    consumer.stop = async () => {
      await stop();
      this.wakeUps.remove(consumer);
      this.consumers.delete(consumer);
    };
    return consumer;
  }

  /** kombu's restore_visible for what kombu consumers left in `unacked` (kombu-restore.ts). */
  restoreExpired(): Promise<number> {
    return restoreExpired(
      this.command,
      this.visibilityTimeoutMs,
      (e) => this.reportError(e),
      (exchange, key) => this.route(exchange, key),
    );
  }

  private stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** A crash, as far as Redis can tell: nothing is cleaned up; our liveness key lapses. */
  abort(): void {
    this.closed = true;
    this.stopTimers();
    for (const c of this.consumers) c.abort();
    for (const l of this.listeners) l.abort();
    this.consumers.clear();
    this.listeners.clear();
    this.wakeUps.abort();
    this.command.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopTimers();
    for (const c of [...this.consumers]) {
      await c.stop();
      await c.restoreUnsettled().catch((e) => this.reportError(e));
    }
    for (const l of [...this.listeners]) await l.stop();
    for (const spec of this.declared.values()) {
      if (spec.autoDelete || spec.exclusive)
        await this.deleteQueue(spec).catch((e) => this.reportError(e));
    }
    await this.command
      .multi()
      .del(aliveKey(this.owner), inFlightKey(this.owner), autoDeleteKey(this.owner))
      .srem(OWNERS, this.owner)
      .exec()
      .catch((e) => this.reportError(e));
    this.closed = true;
    await this.wakeUps.close();
    await closeConnection(this.command);
  }
}
