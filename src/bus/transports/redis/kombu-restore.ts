/**
 * kombu's recovery of its own `unacked` bookkeeping (WIRE.md section 2, "Restore"), for what kombu
 * consumers on the same Redis leave behind: any live process of ours does it, as kombu's would.
 * Our own consumers keep their in-flight messages elsewhere (consumer.ts, the sweep script).
 */
import { randomUUID } from "node:crypto";
import { type Envelope, markRedelivered } from "../../envelope.js";
import { UNACKED, UNACKED_INDEX, UNACKED_MUTEX, UNACKED_MUTEX_TTL_MS } from "./keys.js";
import type { ScriptedRedis } from "./scripts.js";

type Route = (exchange: string, routingKey: string) => Promise<string[]>;

/**
 * kombu's restore_by_tag: put the message back where its exchange and routing key route it,
 * flagged redelivered, removing its record in the same atomic step. Returns false when the record
 * was already gone (acked, or restored by another process).
 */
export async function restoreByTag(
  redis: ScriptedRedis,
  tag: string,
  route: Route,
  report: (error: Error) => void,
): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await redis.hget(UNACKED, tag);
    if (record === null) {
      await redis.zrem(UNACKED_INDEX, tag);
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
      await redis.multi().zrem(UNACKED_INDEX, tag).hdel(UNACKED, tag).exec();
      report(new Error(`unacked record ${tag} is not valid JSON; dropped`));
      return false;
    }
    const queues = await route(exchange, routingKey);
    const done = await redis.restoreIfUnchanged(
      2 + queues.length,
      UNACKED,
      UNACKED_INDEX,
      ...queues,
      tag,
      record,
      JSON.stringify(envelope),
      "1",
    );
    if (done === 1) return true;
  }
  return false;
}

/** kombu's restore_visible, under unacked_mutex: entries older than the visibility timeout. */
export async function restoreExpired(
  redis: ScriptedRedis,
  visibilityTimeoutMs: number,
  report: (error: Error) => void,
  route: Route,
): Promise<number> {
  const token = randomUUID();
  const locked = await redis.set(UNACKED_MUTEX, token, "PX", UNACKED_MUTEX_TTL_MS, "NX");
  if (locked !== "OK") return 0;
  let restored = 0;
  try {
    const ceiling = (Date.now() - visibilityTimeoutMs) / 1000;
    for (;;) {
      const tags = await redis.zrangebyscore(UNACKED_INDEX, 0, ceiling, "LIMIT", 0, 100);
      if (tags.length === 0) break;
      for (const tag of tags) if (await restoreByTag(redis, tag, route, report)) restored += 1;
      if (tags.length < 100) break;
    }
  } finally {
    await redis.releaseLock(UNACKED_MUTEX, token);
  }
  return restored;
}
