/**
 * The failures of issue 11 on a real redis-server with real processes and default settings: a
 * consumer SIGKILLed with requests in flight, a stale redelivery after its deadline, requests
 * queued while the service is down, ten 280 MB envelopes, reply-list TTL.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { Bus, RequestTimeoutError } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { RedisServer } from "../helpers/servers.js";
import { ServiceProcess } from "../helpers/service-process.js";
import { TestService } from "../helpers/test-service.js";

/** Sum of the in-flight hashes of every owner on the database. */
async function inFlight(db: Redis): Promise<number> {
  let total = 0;
  for (const key of await db.keys("_commissaire.inflight.*")) total += await db.hlen(key);
  return total;
}

/** Peak resident memory of a process, in MB (VmHWM). */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return Number(line?.match(/(\d+)/)?.[1] ?? Number.NaN) / 1024;
}

describe("redis transport under faults", () => {
  let server: RedisServer;
  const open: Array<{ close(): Promise<unknown> }> = [];
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
    await server.destroy();
  });

  test("SIGKILL with 10 requests in flight: none lost, all answered within 10 s of the kill", async () => {
    const db = server.client(1);
    const victim = await ServiceProcess.start({ BUS_URI: server.url(1), SERVICE_NAME: "victim" });
    const client = Bus.connect(server.url(1));
    open.push(client);
    try {
      const calls = Array.from({ length: 10 }, (_, i) =>
        client.request<number>("victim.wait", { n: i }, { timeoutMs: 30_000 }),
      );
      await waitFor(async () => (await inFlight(db)) === 10, {
        what: "the victim to hold all ten",
      });
      await victim.kill();
      const killedAt = Date.now();
      const rescuer = await ServiceProcess.start({
        BUS_URI: server.url(1),
        SERVICE_NAME: "victim",
        OPEN_GATE: "1",
      });
      const answers = await Promise.all(calls);
      const took = Date.now() - killedAt;
      assert.deepEqual(
        answers,
        Array.from({ length: 10 }, (_, i) => i),
      );
      assert.ok(took < 10_000, `redelivered ${took} ms after the kill`);
      assert.equal(await inFlight(db), 0);
      assert.equal((await rescuer.stop()).code, 0);
    } finally {
      db.disconnect();
    }
  });

  test("a stale request redelivered after its deadline is not executed", async () => {
    const db = server.client(2);
    const victim = await ServiceProcess.start({ BUS_URI: server.url(2), SERVICE_NAME: "stale" });
    const client = Bus.connect(server.url(2));
    open.push(client);
    try {
      const call = client.request("stale.wait", { n: 1 }, { timeoutMs: 1000 });
      await waitFor(async () => (await inFlight(db)) === 1, { what: "the victim to take it" });
      await assert.rejects(call, RequestTimeoutError);
      await victim.kill();
      const rescuer = new TestService({ bus: Bus.connect(server.url(2)), name: "stale" });
      rescuer.gate.open();
      await rescuer.start();
      open.push({ close: () => rescuer.stop(500).finally(() => rescuer.bus.close()) });
      await waitFor(() => rescuer.bus.counters.expired === 1, {
        timeoutMs: 10_000,
        what: "the stale request to be dropped",
      });
      assert.deepEqual(rescuer.redeliveredSeen, [], "its handler never ran");
      assert.equal(await db.llen("stale"), 0);
      assert.equal(await inFlight(db), 0);
    } finally {
      db.disconnect();
    }
  });

  test("requests queued while the service is down with short deadlines: none runs late", async () => {
    const db = server.client(3);
    const first = new TestService({ bus: Bus.connect(server.url(3)), name: "down" });
    await first.start();
    await first.stop(500).finally(() => first.bus.close());
    const client = Bus.connect(server.url(3));
    open.push(client);
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          client.request("down.record", { i }, { timeoutMs: 200 }),
        ),
      );
      assert.ok(
        outcomes.every((o) => o.status === "rejected" && o.reason instanceof RequestTimeoutError),
      );
      assert.equal(await db.llen("down"), 20, "queued, waiting for the service");
      const back = new TestService({ bus: Bus.connect(server.url(3)), name: "down" });
      await back.start();
      open.push({ close: () => back.stop(500).finally(() => back.bus.close()) });
      await waitFor(() => back.bus.counters.expired === 20, { what: "all twenty dropped" });
      assert.deepEqual(back.executed, []);
      assert.equal(await client.request("down.ping"), "pong");
    } finally {
      db.disconnect();
    }
  });

  test("ten 280 MB envelopes: each answered -32600, never read by the service", async () => {
    // Each envelope is copied several times inside Redis; with its allocator keeping freed pages
    // those copies run at memory speed instead of faulting in fresh pages every time.
    const noDecay = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
    const big = await RedisServer.start({ env: { MALLOC_CONF: noDecay, JE_MALLOC_CONF: noDecay } });
    const db = big.client(0);
    const service = await ServiceProcess.start({ BUS_URI: big.url(0), SERVICE_NAME: "big" });
    try {
      // One 280 MB envelope, sent once from a Buffer (never a JS string); each round moves it from
      // where the service set it aside back onto the queue, inside Redis.
      const head = Buffer.from('{"body": "');
      const tail = Buffer.from(
        '", "content-encoding": "utf-8", "content-type": "application/json", "headers": {}, ' +
          '"properties": {"reply_to": "huge-replies", "correlation_id": "huge-1", ' +
          '"delivery_mode": 2, "delivery_info": {"exchange": "commissaire", "routing_key": ' +
          '"big.echo"}, "priority": 0, "body_encoding": "base64", "delivery_tag": "huge-1"}}',
      );
      const envelope = Buffer.alloc(head.length + 280_000_000 + tail.length, "A");
      head.copy(envelope, 0);
      tail.copy(envelope, envelope.length - tail.length);
      await db.lpush("big.dead", envelope);
      const size = envelope.length;
      // LMOVE answers with the element: in a script, only its count comes back.
      const requeue = "redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT') return 1";
      for (let i = 0; i < 10; i++) {
        await db.eval(requeue, 2, "big.dead", "big");
        const reply = await db.brpop("huge-replies", 60);
        assert.ok(reply, `an answer to envelope ${i}`);
        const answer = JSON.parse(reply[1]);
        assert.equal(answer.properties.correlation_id, "huge-1");
        const body = JSON.parse(answer.body);
        assert.equal(body.error.code, -32600);
        assert.equal(body.id, -1);
        assert.match(body.error.message, new RegExp(`message of ${size} bytes exceeds the limit`));
        assert.equal(await db.llen("big.dead"), 1, "set aside");
        assert.equal(await db.llen("big"), 0);
      }
      const peak = peakRssMb(service.pid);
      assert.ok(peak < 300, `peak RSS of the service ${peak.toFixed(0)} MB`);
      const client = Bus.connect(big.url(0));
      open.push(client);
      assert.equal(await client.request("big.ping"), "pong");
      await db.del("big.dead");
    } finally {
      await service.stop();
      db.disconnect();
      await big.destroy();
    }
  });

  test("kombu's unacked entries of a dead kombu consumer are still restored after the visibility timeout", async () => {
    const db = server.client(8);
    // What a kombu consumer that died leaves behind: its record in unacked, delivered long ago.
    const envelope = {
      body: Buffer.from('{"jsonrpc": "2.0", "method": "record", "params": {"k": 1}}').toString(
        "base64",
      ),
      "content-type": "application/json",
      headers: {},
      properties: {
        delivery_info: { exchange: "commissaire", routing_key: "kq.record" },
        body_encoding: "base64",
        delivery_tag: "kombu-tag-1",
      },
    };
    await db.hset("unacked", "kombu-tag-1", JSON.stringify([envelope, "commissaire", "kq.record"]));
    await db.zadd("unacked_index", Date.now() / 1000 - 60, "kombu-tag-1");
    const service = new TestService({
      bus: Bus.connect(`${server.url(8)}?visibility_timeout=1`),
      name: "kq",
    });
    await service.start();
    open.push({ close: () => service.stop(500).finally(() => service.bus.close()) });
    try {
      await waitFor(() => service.executed.length === 1, { what: "the restored message to run" });
      assert.deepEqual(service.executed, [{ k: 1 }]);
      assert.equal(await db.hlen("unacked"), 0);
    } finally {
      db.disconnect();
    }
  });

  test("a reply list expires when nobody takes the reply", async () => {
    const db = server.client(6);
    const bus = Bus.connect(server.url(6));
    open.push(bus);
    try {
      await bus.reply("response-of-a-dead-caller", '{"jsonrpc": "2.0", "id": 1, "result": 1}');
      const ttl = await db.pttl("response-of-a-dead-caller");
      assert.ok(ttl > 0 && ttl <= 120_000, `TTL ${ttl} ms`);
    } finally {
      db.disconnect();
    }
  });
});
