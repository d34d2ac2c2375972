/**
 * A service with one request in flight at a time takes each request with one take script and
 * then waits until the next push rings its bell: no empty takes after each answer (they were two
 * per request, the per-request overhead of a quiet service).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { Bus } from "../../src/bus/bus.js";
import { RedisTransport } from "../../src/bus/transports/redis/transport.js";
import { CommissaireService } from "../../src/service/service.js";
import { RedisServer } from "../helpers/servers.js";

class Echo extends CommissaireService {
  readonly name = "takes";
  on_echo(params: unknown): unknown {
    return params;
  }
}

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(async () => {
  await redis.destroy();
});

/** EVALSHA calls Redis has served so far (every script: publish, take, reply). */
async function scriptCalls(admin: Redis): Promise<number> {
  const stats = await admin.info("commandstats");
  const line = stats.split("\n").find((l) => l.startsWith("cmdstat_evalsha:"));
  return Number(/calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
}

test("one request in flight: scripts per request stay at publish + take + reply", async () => {
  const service = new Echo({ bus: Bus.connect(redis.url(7)) });
  await service.start();
  const caller = Bus.connect(redis.url(7));
  const admin = new Redis(redis.url(7));
  try {
    await caller.request("takes.echo", { warm: true });
    const before = await scriptCalls(admin);
    const requests = 100;
    for (let i = 0; i < requests; i++) await caller.request("takes.echo", { i });
    const perRequest = ((await scriptCalls(admin)) - before) / requests;
    // Publish (1), take (1), a reply (1, or none when it goes as EVAL without an answer); before,
    // two empty takes more (one after each answer, one for the keyspace event of its own pop).
    assert.ok(perRequest < 3.5, `${perRequest} scripts per request`);
  } finally {
    admin.disconnect();
    await caller.close();
    await service.stop(1000);
    await service.bus.close();
  }
});

test("a take goes straight to the socket; replies and acks share an auto-pipeline", async () => {
  const transport = new RedisTransport(redis.url(8));
  try {
    await transport.ping();
    const redisCommand = transport.command;
    // A take: no pipeline object is built for it (with one in flight, one per request).
    const take = redisCommand.takeIntoFlight(
      2,
      "_test.inflight",
      "_test.queue",
      1,
      1,
      0,
      -1,
      "1",
      1000,
      "o",
    );
    assert.equal(redisCommand.autoPipelineQueueSize, 0);
    // A reply's ack, by contrast, waits for the turn's other commands to leave with them.
    const ack = redisCommand.hdel("_test.inflight", "1");
    assert.equal(redisCommand.autoPipelineQueueSize, 1);
    assert.deepEqual(await take, [[], []]);
    assert.equal(await ack, 0);
  } finally {
    await transport.close();
  }
});
