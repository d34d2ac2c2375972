/**
 * A consumer whose deliveries count as settled when handed out (reply queues, notification
 * listeners): it pops with BLMPOP (Redis 7; BRPOP before) on a connection of its own, which the
 * blocking pop blocks. Nothing is recorded: a listener that dies loses only what was meant for it.
 */
import { type Envelope, isRedelivered, parseEnvelope } from "../../envelope.js";
import type { Consumer, Delivery, DeliveryCallback } from "../../transport.js";
import { closeConnection, delay, followClientId } from "./connection.js";
import { consumeKeys, queueOfKey } from "./keys.js";
import type { ScriptedRedis } from "./scripts.js";

export interface ListenerHost {
  readonly command: ScriptedRedis;
  newBlockingConnection(): ScriptedRedis;
  readonly blockSeconds: number;
  readonly useBlmpop: boolean;
  reportError(error: Error): void;
}

const BATCH = 100;

/** The Delivery of a raw list element (shared with the reliable consumer). */
export function toDelivery(key: string, raw: string, tag: string): Delivery {
  const envelope =
    parseEnvelope(raw) ?? ({ body: raw, headers: {}, properties: {} } as unknown as Envelope);
  const info = envelope.properties.delivery_info ?? { exchange: "", routing_key: "" };
  return {
    envelope,
    queue: queueOfKey(key),
    exchange: typeof info.exchange === "string" ? info.exchange : "",
    routingKey: typeof info.routing_key === "string" ? info.routing_key : "",
    redelivered: isRedelivered(envelope),
    tag,
    size: Buffer.byteLength(raw),
  };
}

export class RedisListener implements Consumer {
  private readonly keys: string[];
  private readonly blocking: ScriptedRedis;
  /** The blocking connection's CLIENT ID (a stop ends its pop with CLIENT UNBLOCK). */
  private readonly clientId: () => number | null;
  private useBlmpop: boolean;
  private blocked = false;
  private stopped = false;
  private readonly done: Promise<void>;
  readonly inFlight = 0;

  constructor(
    private readonly host: ListenerHost,
    queues: readonly string[],
    private readonly callback: DeliveryCallback,
  ) {
    this.keys = consumeKeys(queues);
    this.useBlmpop = host.useBlmpop;
    this.blocking = host.newBlockingConnection();
    this.clientId = followClientId(this.blocking);
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const items = await this.pop();
        failures = 0;
        if (this.stopped) {
          // Taken while stopping: back to the consuming end, in order.
          for (const [key, raw] of [...items].reverse()) await this.host.command.rpush(key, raw);
          break;
        }
        for (const [key, raw] of items) this.callback(toDelivery(key, raw, ""));
      } catch (err) {
        this.blocked = false;
        if (this.stopped) break;
        if (this.useBlmpop && /unknown command/i.test((err as Error).message)) {
          this.useBlmpop = false; // Redis before 7.0
          continue;
        }
        failures += 1;
        this.host.reportError(err as Error);
        await delay(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private async pop(): Promise<Array<[string, string]>> {
    this.blocked = true;
    try {
      if (this.useBlmpop) {
        const result = (await this.blocking.call(
          "BLMPOP",
          this.host.blockSeconds,
          this.keys.length,
          ...this.keys,
          "RIGHT",
          "COUNT",
          BATCH,
        )) as [string, string[]] | null;
        return result ? result[1].map((raw) => [result[0], raw]) : [];
      }
      const popped = await this.blocking.brpop(...this.keys, this.host.blockSeconds);
      return popped ? [[popped[0], popped[1]]] : [];
    } finally {
      this.blocked = false;
    }
  }

  async ack(): Promise<void> {}
  async reject(): Promise<void> {}
  async restoreUnsettled(): Promise<number> {
    return 0;
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      await this.unblock();
    }
    let finished = false;
    await Promise.race([
      this.done.then(() => (finished = true)),
      delay((this.host.blockSeconds + 1) * 1000),
    ]);
    // Redis unreachable: the pop may never return; dropping the connection fails it.
    if (!finished) this.blocking.disconnect();
    await this.done;
    await closeConnection(this.blocking);
  }

  /** Ends the blocking pop at once (CLIENT UNBLOCK); repeated until the loop has seen the stop. */
  private async unblock(): Promise<void> {
    let finished = false;
    void this.done.then(() => (finished = true));
    for (let i = 0; i < 20 && !finished; i++) {
      const id = this.clientId();
      if (this.blocked && id !== null)
        await this.host.command.client("UNBLOCK", id).catch(() => undefined);
      await Promise.race([this.done, delay(50)]);
    }
  }

  abort(): void {
    this.stopped = true;
    this.blocking.disconnect();
  }
}
