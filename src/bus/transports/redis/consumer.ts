/**
 * The reliable consumer on Redis lists (served queues): one Lua script moves a batch from the
 * lists into this owner's in-flight HASH atomically, so no message is ever out of Redis's
 * bookkeeping (a SIGKILL at any instant loses nothing: any live process puts a dead owner's
 * messages back). Oversized messages are set aside by the same script, before any byte reaches
 * this process. While the lists are empty it waits on its queues' bells (keys.ts, bellKey) on a
 * connection of its own, the take script queued behind: Redis runs the take as soon as a push
 * rings, so a request costs this process one read (a ping, then a take, cost two round trips).
 * Pushes that ring no bell (kombu's priority lists; kombu's and older versions' pushes, once one
 * was found) reach it by Redis keyspace events and pings (wake-ups.ts); the wait ends after
 * blockSeconds regardless, with a take.
 */
import { markRedelivered, parseEnvelope } from "../../envelope.js";
import type { ConsumeOptions, Consumer, Delivery, DeliveryCallback } from "../../transport.js";
import type { AwaitedReplies } from "./awaited-replies.js";
import { closeConnection, delay, followClientId } from "./connection.js";
import { bellKey, consumeKeys, inFlightKey, wakeChannel } from "./keys.js";
import { toDelivery } from "./listener.js";
import type { ScriptedRedis } from "./scripts.js";

/** What the consumer needs from its transport (kept narrow so the two stay separately testable). */
export interface ConsumerHost {
  readonly command: ScriptedRedis;
  newBlockingConnection(): ScriptedRedis;
  readonly owner: string;
  readonly replies: AwaitedReplies;
  readonly blockSeconds: number;
  readonly replyTtlMs: number;
  /** Reserves `count` delivery numbers, unique within the owner; returns the first. */
  reserve(count: number): number;
  /** A message the take script set aside (oversized). */
  setAside(queue: string, size: number, answered: boolean): void;
  reportError(error: Error): void;
  /** Messages arrived that rang no bell: the consumer's wake-ups now cover every list. */
  listenForUnrungPushes(consumer: RedisConsumer): void;
}

interface TakeResult {
  result: [taken: string[], aside: Array<string | number>];
  /** The wait before the take ran out without a ring. */
  quiet: boolean;
}

interface Held {
  delivery: Delivery;
  key: string;
  raw: string;
  /**
   * Being acknowledged with its reply (awaited-replies.ts): true once Redis answered that script,
   * false if it failed.
   */
  acknowledging?: Promise<boolean>;
}

/** Settles once the microtasks and I/O callbacks of this event-loop turn have run. */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class RedisConsumer implements Consumer {
  readonly keys: string[];
  readonly queues: readonly string[];
  private readonly bells: string[];
  private readonly blocking: ScriptedRedis;
  /** A wait on the bells (with its take) is out. */
  private waiting = false;
  /**
   * The turn before a wait: replies to our deliveries may ride on the waiting connection, corked
   * until the wait leaves with them (lend()).
   */
  private lending = false;
  /** The waiting connection's stream was corked for a reply lent it. */
  private lentCork: { uncork(): void } | null = null;
  /** The waiting connection's CLIENT ID (a stop ends its wait with CLIENT UNBLOCK). */
  private readonly blockingId: () => number | null;
  /** A look after a quiet wait found messages: someone pushes without ringing. */
  private unrung = false;
  private readonly held = new Map<string, Held>();
  private inFlightBytes = 0;
  private stopped = false;
  /** A wake-up arrived since the last take began (at first: what was pushed before we came). */
  private dirty = true;
  /** The last take may have left messages behind (it filled its room or its byte budget). */
  private more = false;
  private capacityWaiter: (() => void) | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly host: ConsumerHost,
    queues: readonly string[],
    private readonly callback: DeliveryCallback,
    private readonly options: ConsumeOptions,
  ) {
    this.queues = queues;
    this.keys = consumeKeys(queues);
    this.bells = queues.map(bellKey);
    this.blocking = host.newBlockingConnection();
    this.blockingId = followClientId(this.blocking);
    this.done = this.loop();
  }

  /** The pub/sub channels' queues (wake-ups.ts): none until a push that rang no bell was seen. */
  get wakeQueues(): readonly string[] {
    return this.unrung ? this.queues : [];
  }

  /** The lists whose keyspace events wake us: kombu's priority lists, and later every list. */
  get wakeKeys(): readonly string[] {
    return this.unrung ? this.keys : this.keys.slice(this.queues.length);
  }

  get inFlight(): number {
    return this.held.size;
  }

  /**
   * Something was pushed onto one of our lists (or room was freed): take again. A wait on the
   * bells is ended by ringing one (its take then runs at once).
   */
  wake(): void {
    this.dirty = true;
    if (this.waiting && !this.stopped)
      this.host.command.ringBell(this.queues[0]!).catch((e) => this.host.reportError(e));
  }

  /** The delivery is acknowledged by its reply's script: its own acknowledgement waits for it. */
  acknowledgedBy(tag: string, sent: Promise<unknown>): void {
    const h = this.held.get(tag);
    if (h)
      h.acknowledging = sent.then(
        () => true,
        () => false,
      );
  }

  /**
   * The connection a reply to one of our deliveries may go out on, in the turn before a wait: the
   * waiting connection, corked, so that the reply leaves in the same write as the wait (one write
   * per request with one in flight, instead of two). Undefined at any other time.
   */
  lend(): ScriptedRedis | undefined {
    if (!this.lending || this.stopped || this.blocking.status !== "ready") return undefined;
    if (!this.lentCork) {
      this.lentCork = this.blocking.stream;
      this.blocking.stream.cork();
    }
    return this.blocking;
  }

  /** What was lent leaves now (with the wait, when one is being sent). */
  private sendLent(): void {
    const stream = this.lentCork;
    this.lentCork = null;
    stream?.uncork();
  }

  /**
   * Room was freed: a take that stopped short for lack of room or budget takes again. One that
   * emptied the lists does not: the next push rings its bell. (Taking again after every answer
   * cost two empty round trips per request with one in flight.)
   */
  private freed(): void {
    const w = this.capacityWaiter;
    this.capacityWaiter = null;
    w?.();
    if (this.more) this.wake();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      // A wait is sent only once what the last take started has sent what it sends at once (a
      // reply from memory, a request to etcd): written first, the wait delayed each of them by a
      // write to Redis. Replies lent the waiting connection in that turn leave with the wait.
      if (this.lending) {
        await endOfTurn();
        this.lending = false;
      }
      if (this.held.size >= this.options.prefetch) {
        // Never held back while we wait for room: the acknowledgements that free it wait for them.
        this.sendLent();
        await new Promise<void>((resolve) => (this.capacityWaiter = resolve));
        continue;
      }
      // Known to have work (a wake-up, or the last take left some): take now. Otherwise wait on
      // the bells, with the take queued behind.
      const wait = !this.dirty && !this.more;
      this.dirty = false;
      if (!wait) this.sendLent();
      try {
        await this.take(wait);
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures += 1;
        this.host.reportError(err as Error);
        await delay(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /**
   * The wait and its take leave in one write (corked), and their answers come back together:
   * Redis runs a blocked client's next command as soon as the block ends.
   */
  private async waitAndTake(args: (string | number)[]): Promise<TakeResult> {
    this.waiting = true;
    const stream = this.blocking.status === "ready" ? this.blocking.stream : undefined;
    stream?.cork();
    try {
      const rang = this.blocking.blpop(...this.bells, this.host.blockSeconds);
      const take = this.blocking.takeIntoFlight(...(args as [number, ...string[]]));
      stream?.uncork();
      this.sendLent();
      const [bell, result] = await Promise.all([rang.catch(() => null), take]);
      return { result, quiet: bell === null };
    } finally {
      this.waiting = false;
    }
  }

  private async take(wait: boolean): Promise<number> {
    const room = this.options.prefetch - this.held.size;
    const first = this.host.reserve(room);
    const budget =
      this.options.maxInFlightBytes === undefined
        ? -1
        : Math.max(0, this.options.maxInFlightBytes - this.inFlightBytes);
    const args = [
      1 + this.keys.length,
      inFlightKey(this.host.owner),
      ...this.keys,
      first,
      room,
      this.options.maxMessageBytes ?? 0,
      budget,
      this.held.size === 0 ? "1" : "0",
      this.host.replyTtlMs,
      this.host.owner,
    ];
    const { result, quiet } = wait
      ? await this.waitAndTake(args)
      : { result: await this.host.command.takeIntoFlight(...(args as [number])), quiet: false };
    const [taken, aside] = result;
    if (quiet && (taken.length > 0 || aside.length > 0) && !this.unrung) {
      // Found by a look after the wait ran out: whoever pushed it rings no bell (kombu, an
      // older version of ours). From now on their pushes wake us by their keyspace events.
      this.unrung = true;
      this.host.listenForUnrungPushes(this);
    }
    for (let i = 0; i < aside.length; i += 3)
      this.host.setAside(String(aside[i]), Number(aside[i + 1]), Number(aside[i + 2]) === 1);
    const batch: Held[] = [];
    let bytes = 0;
    for (let i = 0; i < taken.length; i += 3) {
      const [tag, key, raw] = [taken[i]!, taken[i + 1]!, taken[i + 2]!];
      const delivery = toDelivery(key, raw, tag);
      bytes += delivery.size;
      batch.push({ delivery, key, raw });
    }
    const maxMessage = this.options.maxMessageBytes;
    this.more =
      batch.length >= room ||
      (budget >= 0 && (maxMessage === undefined || budget - bytes < maxMessage));
    if (this.stopped) {
      // Taken while stopping: straight back, never to a handler (so not flagged redelivered).
      await this.putBack(batch, false);
      return 0;
    }
    for (const h of batch) {
      this.held.set(h.delivery.tag, h);
      this.inFlightBytes += h.delivery.size;
      this.host.replies.expect(h.delivery, this);
    }
    // A wait follows this take (unless a wake-up comes first): until it leaves, the handlers'
    // replies may ride with it.
    this.lending = batch.length > 0 && !this.more;
    for (const h of batch) this.callback(h.delivery);
    return batch.length;
  }

  private release(tag: string): Held | undefined {
    const h = this.held.get(tag);
    if (!h) return undefined;
    this.held.delete(tag);
    this.inFlightBytes -= h.delivery.size;
    this.host.replies.forget(h.delivery, this);
    return h;
  }

  async ack(delivery: Delivery): Promise<void> {
    const h = this.release(delivery.tag);
    if (!h) return;
    try {
      if (!(await h.acknowledging))
        await this.host.command.hdel(inFlightKey(this.host.owner), delivery.tag);
    } finally {
      this.freed();
    }
  }

  async reject(delivery: Delivery, requeue: boolean): Promise<void> {
    const h = this.release(delivery.tag);
    if (!h) return;
    try {
      // Answered already (and acknowledged with the answer): never run again.
      if (await h.acknowledging) return;
      if (requeue) await this.putBack([h]);
      else await this.host.command.hdel(inFlightKey(this.host.owner), delivery.tag);
    } finally {
      this.freed();
    }
  }

  /**
   * Back to the consuming end of their lists, oldest consumed first; flagged redelivered if a
   * handler had them.
   */
  private async putBack(items: Held[], delivered = true): Promise<void> {
    if (items.length === 0) return;
    // ioredis gives a transaction the scripts defined on its connection; its types do not say so.
    const multi = this.host.command.multi() as ReturnType<ScriptedRedis["multi"]> & {
      ringBell(queue: string): ReturnType<ScriptedRedis["multi"]>;
    };
    for (const h of [...items].sort((a, b) => Number(b.delivery.tag) - Number(a.delivery.tag))) {
      // What was not an envelope at all goes back exactly as it came.
      const envelope = delivered ? parseEnvelope(h.raw) : null;
      const raw = envelope ? JSON.stringify(markRedelivered(envelope)) : h.raw;
      multi.hdel(inFlightKey(this.host.owner), h.delivery.tag).rpush(h.key, raw);
      multi.ringBell(h.delivery.queue);
      multi.publish(wakeChannel(h.delivery.queue), "1");
    }
    await multi.exec();
  }

  async restoreUnsettled(): Promise<number> {
    const items = [...this.held.values()];
    for (const h of items) this.release(h.delivery.tag);
    // Those answered (and acknowledged with the answer) are done; the others go back. A reply
    // still on its way is waited for: its request, put back, would run a second time.
    const answered = await Promise.all(items.map((h) => h.acknowledging ?? false));
    const unsettled = items.filter((_, i) => !answered[i]);
    await this.putBack(unsettled);
    this.freed();
    return unsettled.length;
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.sendLent();
      this.freed();
      // A wait ends at once (its take still runs; what it takes goes straight back).
      const id = this.blockingId();
      if (this.waiting && id !== null)
        await this.host.command.client("UNBLOCK", id).catch(() => undefined);
    }
    // A Redis that is gone is the transport's close deadline's business.
    let finished = false;
    await Promise.race([
      this.done.then(() => (finished = true)),
      delay((this.host.blockSeconds + 2) * 1000),
    ]);
    if (finished) await closeConnection(this.blocking);
    else this.blocking.disconnect();
  }

  /** The process is going down without cleaning up: its liveness lapses and others restore. */
  abort(): void {
    this.stopped = true;
    this.freed();
    this.blocking.disconnect();
  }
}
