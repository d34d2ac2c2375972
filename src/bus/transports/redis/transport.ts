/**
 * The redis:// and rediss:// transport: kombu's virtual protocol on Redis (WIRE.md section 2), so
 * Python services on kombu and ours share one bus in either role.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Redis, type RedisOptions } from "ioredis";
import { type Envelope, markRedelivered } from "../../envelope.js";
import { keyToPattern, routeBindings, type StoredBinding } from "../../topic.js";
import type {
  ConsumeOptions,
  Consumer,
  DeliveryCallback,
  ExchangeType,
  QueueSpec,
  Transport,
  TransportEvents,
} from "../../transport.js";
import { closeConnection, RedisConsumer } from "./consumer.js";
import {
  bindingMember,
  bindingSetKey,
  PRIORITY_STEPS,
  parseBindingMember,
  priorityKey,
  UNACKED,
  UNACKED_INDEX,
  UNACKED_MUTEX,
  UNACKED_MUTEX_TTL_MS,
} from "./keys.js";
import { type ScriptedRedis, withScripts } from "./scripts.js";

export interface RedisTransportOptions extends TransportEvents {
  /** Unacked deliveries older than this are restored by any live process (kombu: 3600 s). */
  visibilityTimeoutMs?: number;
  /** How often this process looks for expired unacked deliveries. */
  restoreIntervalMs?: number;
  /** BRPOP timeout in seconds (kombu re-issues BRPOP every second). */
  blockSeconds?: number;
  /** false: BRPOP and the pop-and-record script even on Redis 7 (as on older servers). */
  useBlmpop?: boolean;
  /** Extra ioredis options (tests, TLS details). */
  redis?: RedisOptions;
}

export interface ParsedRedisUri {
  /** The URI for ioredis, without our own query parameters. */
  url: string;
  visibilityTimeoutMs?: number;
  tls?: ConnectionOptions;
}

/**
 * Reads our query parameters off a redis:// or rediss:// URI: `visibility_timeout` (seconds,
 * kombu's transport option name), and for TLS redis-py's `ssl_ca_certs`, `ssl_certfile`,
 * `ssl_keyfile` and `ssl_cert_reqs=none`. Files are read here so a bad path fails at start-up.
 */
export function parseRedisUri(uri: string): ParsedRedisUri {
  const parsed = new URL(uri);
  const take = (name: string): string | null => {
    const value = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    return value;
  };
  const vt = take("visibility_timeout");
  const ca = take("ssl_ca_certs");
  const cert = take("ssl_certfile");
  const key = take("ssl_keyfile");
  const reqs = take("ssl_cert_reqs");
  const out: ParsedRedisUri = { url: parsed.toString() };
  if (vt !== null) {
    const seconds = Number(vt);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(
        `bus URI: visibility_timeout must be a positive number of seconds, got "${vt}"`,
      );
    }
    out.visibilityTimeoutMs = seconds * 1000;
  }
  if (parsed.protocol === "rediss:") {
    const file = (path: string, what: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`bus URI: ${what}=${path}: cannot be read: ${(err as Error).message}`);
      }
    };
    const tls: ConnectionOptions = {};
    if (ca) tls.ca = file(ca, "ssl_ca_certs");
    if (cert) tls.cert = file(cert, "ssl_certfile");
    if (key) tls.key = file(key, "ssl_keyfile");
    if (reqs !== null && ["none", "cert_none"].includes(reqs.toLowerCase()))
      tls.rejectUnauthorized = false;
    out.tls = tls;
  } else if (ca || cert || key || reqs) {
    throw new Error("bus URI: ssl_* options need the rediss:// scheme");
  }
  return out;
}

export class RedisTransport implements Transport {
  readonly kind = "redis";
  readonly command: ScriptedRedis;
  readonly blockSeconds: number;
  readonly useBlmpop: boolean;
  private readonly url: string;
  private readonly tls: ConnectionOptions | undefined;
  private readonly consumers = new Set<RedisConsumer>();
  private readonly declared = new Map<string, QueueSpec>();
  private readonly visibilityTimeoutMs: number;
  private readonly timer: NodeJS.Timeout;
  private readyOnce = false;
  /** Publishes routed in JavaScript because a stored regex was outside the Lua script's subset. */
  fallbackRoutes = 0;
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
    // Commands issued in one event-loop turn leave in one write (replies, acks, publishes).
    this.command = this.connect({ enableAutoPipelining: true });
    this.command.on("ready", () => this.onReady());
    const every =
      options.restoreIntervalMs ?? Math.max(250, Math.min(10_000, this.visibilityTimeoutMs / 3));
    this.timer = setInterval(() => void this.maintain(), every);
    this.timer.unref();
  }

  private connect(extra: RedisOptions): ScriptedRedis {
    const tls = this.tls ? { tls: { ...this.tls, ...this.options.redis?.tls } } : {};
    const redis = new Redis(this.url, {
      lazyConnect: false,
      ...this.options.redis,
      ...tls,
      ...extra,
    });
    redis.on("error", (err) => this.reportError(err));
    return withScripts(redis);
  }

  newBlockingConnection(): ScriptedRedis {
    // A consumer must never give up waiting for Redis to come back.
    return this.connect({ maxRetriesPerRequest: null, connectionName: "commissaire-consumer" });
  }

  reportError(error: Error): void {
    if (!this.closed) this.options.onError?.(error);
  }

  /** After a reconnect, declare our bindings again: a restarted Redis may have lost them. */
  private onReady(): void {
    if (!this.readyOnce) {
      this.readyOnce = true;
      return;
    }
    const redeclare = [...this.declared.values()].map((spec) => this.writeBindings(spec));
    Promise.all(redeclare).then(
      () => this.options.onReconnect?.(),
      (err) => this.reportError(err),
    );
  }

  async ping(): Promise<void> {
    await this.command.ping();
  }

  private readonly exchangeTypes = new Map<string, ExchangeType>();

  declareExchange(name: string, type: ExchangeType): void {
    this.exchangeTypes.set(name, type);
  }

  private member(exchange: string, routingKey: string, queue: string): string {
    const type = this.exchangeTypes.get(exchange) ?? "topic";
    return bindingMember(routingKey, type === "topic" ? keyToPattern(routingKey) : "", queue);
  }

  private async writeBindings(spec: QueueSpec): Promise<void> {
    if (spec.bindings.length === 0) return;
    const pipe = this.command.pipeline();
    for (const b of spec.bindings)
      pipe.sadd(bindingSetKey(b.exchange), this.member(b.exchange, b.routingKey, spec.name));
    await pipe.exec();
  }

  async declareQueue(spec: QueueSpec): Promise<void> {
    this.declared.set(spec.name, spec);
    await this.writeBindings(spec);
  }

  async deleteQueue(spec: QueueSpec): Promise<void> {
    this.declared.delete(spec.name);
    const pipe = this.command.pipeline();
    for (const b of spec.bindings)
      pipe.srem(bindingSetKey(b.exchange), this.member(b.exchange, b.routingKey, spec.name));
    for (const step of PRIORITY_STEPS) pipe.del(priorityKey(spec.name, step));
    await pipe.exec();
  }

  async publish(exchange: string, routingKey: string, envelope: Envelope): Promise<number> {
    const raw = JSON.stringify(envelope);
    const priority = envelope.properties.priority ?? 0;
    if (exchange === "") {
      await this.command.lpush(priorityKey(routingKey, priority), raw);
      return 1;
    }
    const suffix = priorityKey("", priority);
    const count = await this.command.routeAndPush(bindingSetKey(exchange), routingKey, raw, suffix);
    if (count >= 0) return count;
    // A stored regex the script cannot translate: route here, with the regex itself.
    this.fallbackRoutes += 1;
    const queues = await this.route(exchange, routingKey);
    if (queues.length) {
      const pipe = this.command.pipeline();
      for (const q of queues) pipe.lpush(priorityKey(q, priority), raw);
      await pipe.exec();
    }
    return queues.length;
  }

  /** The queues a message reaches, by the stored bindings (kombu's _lookup). */
  async route(exchange: string, routingKey: string): Promise<string[]> {
    if (exchange === "") return [routingKey];
    const members = await this.command.smembers(bindingSetKey(exchange));
    const table = members.map(parseBindingMember).filter((b): b is StoredBinding => b !== null);
    return routeBindings(table, routingKey);
  }

  consume(queues: string[], callback: DeliveryCallback, options: ConsumeOptions): Consumer {
    const consumer = new RedisConsumer(this, queues, callback, options);
    this.consumers.add(consumer);
    const stop = consumer.stop.bind(consumer);
    consumer.stop = async () => {
      await stop();
      this.consumers.delete(consumer);
    };
    return consumer;
  }

  /**
   * kombu's restore_by_tag: put an unacked message back where its exchange and routing key route
   * it, flagged redelivered, removing its record in the same atomic step. Returns false when the
   * record was already gone (acked, or restored by another process).
   */
  async restoreByTag(tag: string, atConsumingEnd: boolean): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = await this.command.hget(UNACKED, tag);
      if (record === null) {
        await this.command.zrem(UNACKED_INDEX, tag);
        return false;
      }
      let envelope: Envelope;
      let exchange: string;
      let routingKey: string;
      try {
        [envelope, exchange, routingKey] = JSON.parse(record) as [Envelope, string, string];
        markRedelivered(envelope);
      } catch {
        // Not kombu's record: nothing can be restored from it; drop it so it is not retried forever.
        await this.command.multi().zrem(UNACKED_INDEX, tag).hdel(UNACKED, tag).exec();
        this.reportError(new Error(`unacked record ${tag} is not valid JSON; dropped`));
        return false;
      }
      const queues = await this.route(exchange, routingKey);
      const done = await this.command.restoreIfUnchanged(
        2 + queues.length,
        UNACKED,
        UNACKED_INDEX,
        ...queues,
        tag,
        record,
        JSON.stringify(envelope),
        atConsumingEnd ? "1" : "0",
      );
      if (done === 1) return true;
    }
    return false;
  }

  /** kombu's restore_visible, under unacked_mutex: any live process may do it. */
  async restoreExpired(): Promise<number> {
    const token = randomUUID();
    const locked = await this.command.set(UNACKED_MUTEX, token, "PX", UNACKED_MUTEX_TTL_MS, "NX");
    if (locked !== "OK") return 0;
    let restored = 0;
    try {
      const ceiling = (Date.now() - this.visibilityTimeoutMs) / 1000;
      for (;;) {
        const tags = await this.command.zrangebyscore(UNACKED_INDEX, 0, ceiling, "LIMIT", 0, 100);
        if (tags.length === 0) break;
        for (const tag of tags) if (await this.restoreByTag(tag, true)) restored += 1;
        if (tags.length < 100) break;
      }
    } finally {
      await this.command.releaseLock(UNACKED_MUTEX, token);
    }
    return restored;
  }

  /**
   * Periodic work: refresh the delivery time of what our consumers still hold (so a long handler of
   * a live process is not taken for a dead one), then restore what dead consumers left behind.
   */
  private async maintain(): Promise<void> {
    if (this.closed || this.command.status !== "ready") return;
    try {
      const tags = [...this.consumers].flatMap((c) => c.heldTags());
      if (tags.length) {
        const now = Date.now() / 1000;
        await this.command.zadd(UNACKED_INDEX, "XX", ...tags.flatMap((t) => [now, t]));
      }
      await this.restoreExpired();
    } catch (err) {
      this.reportError(err as Error);
    }
  }

  abort(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const c of this.consumers) c.abort();
    this.consumers.clear();
    this.command.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    for (const c of [...this.consumers]) {
      await c.stop();
      await c.restoreUnsettled().catch((e) => this.reportError(e));
    }
    for (const spec of this.declared.values()) {
      if (spec.autoDelete) await this.deleteQueue(spec).catch((e) => this.reportError(e));
    }
    this.closed = true;
    await closeConnection(this.command);
  }
}
