/**
 * The fault run of `npm run bench`: requests under load while service processes are SIGKILLed
 * one after another (a replacement is started each time). Counts, normalised per 1,000 kills:
 * requests lost (the caller got no answer, and they neither ran nor were dropped past their
 * deadline), executed twice, and expired (dropped past their deadline, never run late).
 */
import type { Redis } from "ioredis";
import { Bus } from "../src/bus/bus.js";
import { waitFor } from "../src/testing/index.js";
import type { RedisServer } from "../test/helpers/servers.js";
import { Proc } from "./processes.js";

export interface FaultResult {
  kills: number;
  requests: number;
  answered: number;
  lost: number;
  executedTwice: number;
  expired: number;
  perThousandKills: { lost: number; executedTwice: number; expired: number };
}

const IN_FLIGHT = 16;
const TIMEOUT_MS = 3000;

async function inFlightAnywhere(db: Redis): Promise<number> {
  let total = await db.llen("fault");
  for (const key of await db.keys("_commissaire.inflight.*")) total += await db.hlen(key);
  return total;
}

export async function faultRun(
  redis: RedisServer,
  script: string,
  kills: number,
): Promise<FaultResult> {
  const uri = redis.url(7);
  const db = redis.client(7);
  const start = () => Proc.start(script, [uri], (o) => o.includes("READY"));
  const services = [await start(), await start()];
  const client = Bus.connect(uri);
  const outcome = new Map<number, "answered" | "no answer">();
  let next = 0;
  let sending = true;
  const worker = async () => {
    while (sending) {
      const i = next++;
      outcome.set(
        i,
        await client.request("fault.work", { i }, { timeoutMs: TIMEOUT_MS }).then(
          () => "answered" as const,
          () => "no answer" as const,
        ),
      );
    }
  };
  const workers = Array.from({ length: IN_FLIGHT }, worker);
  try {
    for (let k = 0; k < kills; k++) {
      // Kill once the victim is surely holding requests, then start its replacement.
      const victim = services.shift()!;
      await waitFor(async () => (await inFlightAnywhere(db)) > 0, { what: "work in flight" });
      await new Promise((resolve) => setTimeout(resolve, 50)); // load between kills, not a sync
      victim.child.kill("SIGKILL");
      services.push(await start());
    }
    sending = false;
    await Promise.all(workers);
    // Whatever the dead left behind is swept back, then run or dropped by the live ones.
    await waitFor(async () => (await inFlightAnywhere(db)) === 0, {
      timeoutMs: 20_000,
      what: "queues and in-flight records to drain",
    });
  } finally {
    sending = false;
    await client.close();
    for (const s of services) await s.stop().catch(() => undefined);
  }
  const executed = await db.hgetall("fault:executed");
  const expired = Number((await db.get("fault:expired")) ?? 0);
  db.disconnect();
  let lost = 0;
  let executedTwice = 0;
  let answered = 0;
  for (const [i, result] of outcome) {
    const runs = Number(executed[String(i)] ?? 0);
    if (runs > 1) executedTwice += 1;
    if (result === "answered") answered += 1;
    else if (runs === 0) lost += 1;
  }
  // A request dropped past its deadline was not answered and did not run: not lost.
  lost = Math.max(0, lost - expired);
  const per = (n: number) => (n * 1000) / kills;
  return {
    kills,
    requests: outcome.size,
    answered,
    lost,
    executedTwice,
    expired,
    perThousandKills: { lost: per(lost), executedTwice: per(executedTwice), expired: per(expired) },
  };
}
