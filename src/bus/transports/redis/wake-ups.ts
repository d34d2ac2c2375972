/**
 * Wake-ups for pushes that ring no bell (consumer.ts), on one pub/sub connection per transport:
 * Redis keyspace events (enabled here when the server lets us, `notify-keyspace-events` K + l)
 * report kombu's pushes, and older versions of ours ping `_commissaire.wake.<queue>`. A consumer
 * names the lists and queues it needs them for (at first only kombu's priority lists, as our
 * publishers ring the bell of the others). Where neither reaches us, consumers still look at their
 * lists every blockSeconds.
 */
import type { Redis } from "ioredis";
import { closeConnection } from "./connection.js";
import { wakeChannel } from "./keys.js";

export interface Wakeable {
  /** The queues whose `_commissaire.wake.<queue>` pings wake it. */
  readonly wakeQueues: readonly string[];
  /** The lists whose keyspace push events wake it. */
  readonly wakeKeys: readonly string[];
  wake(): void;
}

/** The list keyspace events that add an element (LMOVE/RPOPLPUSH report a push on the target). */
const PUSH_EVENTS = new Set(["lpush", "rpush", "linsert"]);

export class WakeUps {
  private readonly byChannel = new Map<string, Set<Wakeable>>();
  private connection: Redis | null = null;

  constructor(
    private readonly connect: () => Redis,
    private readonly db: number,
  ) {}

  private channels(c: Wakeable): string[] {
    return [
      ...c.wakeQueues.map(wakeChannel),
      ...c.wakeKeys.map((key) => `__keyspace@${this.db}__:${key}`),
    ];
  }

  /** Listens for what the consumer names now (again after it names more). */
  add(c: Wakeable): void {
    if (!this.connection) {
      this.connection = this.connect();
      this.connection.on("message", (channel: string, event: string) => {
        // Keyspace events name the command: only a push brings something to take. Our own takes'
        // pops, answered by an empty take each, were the per-request cost of a quiet service.
        if (channel.startsWith("__keyspace@") && !PUSH_EVENTS.has(event)) return;
        for (const w of this.byChannel.get(channel) ?? []) w.wake();
      });
    }
    const fresh: string[] = [];
    for (const ch of this.channels(c)) {
      let set = this.byChannel.get(ch);
      if (!set) {
        set = new Set();
        this.byChannel.set(ch, set);
        fresh.push(ch);
      }
      set.add(c);
    }
    if (fresh.length) this.connection.subscribe(...fresh).catch(() => undefined);
  }

  remove(c: Wakeable): void {
    const gone: string[] = [];
    for (const ch of this.channels(c)) {
      const set = this.byChannel.get(ch);
      set?.delete(c);
      if (set && set.size === 0) {
        this.byChannel.delete(ch);
        gone.push(ch);
      }
    }
    if (gone.length && this.connection?.status === "ready")
      this.connection.unsubscribe(...gone).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.connection) await closeConnection(this.connection, 500);
  }

  abort(): void {
    this.connection?.disconnect();
  }
}

/** Turns on keyspace events for lists (K + l), keeping whatever flags the server already has. */
export async function enableListKeyspaceEvents(redis: Redis): Promise<boolean> {
  try {
    const [, flags = ""] = (await redis.config("GET", "notify-keyspace-events")) as string[];
    const hasList = flags.includes("l") || flags.includes("A");
    if (flags.includes("K") && hasList) return true;
    const next = `${flags}${flags.includes("K") ? "" : "K"}${hasList ? "" : "l"}`;
    await redis.config("SET", "notify-keyspace-events", next);
    return true;
  } catch {
    return false; // CONFIG refused (a managed server): consumers look every blockSeconds instead
  }
}
