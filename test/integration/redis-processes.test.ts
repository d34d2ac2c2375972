/** The Redis transport with several processes, a SIGKILL, a graceful close and a Redis restart. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { Bus, RequestTimeoutError } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { RedisServer } from "../helpers/servers.js";
import { ServiceProcess } from "../helpers/service-process.js";
import { TestService } from "../helpers/test-service.js";

describe("redis transport across processes", () => {
  let server: RedisServer;
  let probe: Redis;
  before(async () => {
    server = await RedisServer.start();
    probe = server.client(0);
  });
  after(async () => {
    probe.disconnect();
    await server.destroy();
  });

  test("3 service processes on one queue: 300 requests, each executed exactly once", async () => {
    const env = { BUS_URI: server.url(0), SERVICE_NAME: "three" };
    const procs = await Promise.all([1, 2, 3].map(() => ServiceProcess.start(env)));
    const client = Bus.connect(server.url(0));
    try {
      const replies = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          client.request<{ pid: number }>("three.record", { i }, { timeoutMs: 30_000 }),
        ),
      );
      assert.equal(replies.length, 300);
      const results = await Promise.all(procs.map((p) => p.stop()));
      assert.deepEqual(
        results.map((r) => r.code),
        [0, 0, 0],
      );
      const executed = results
        .flatMap((r) => r.executed.map((e: any) => e.i))
        .sort((a, b) => a - b);
      assert.deepEqual(
        executed,
        Array.from({ length: 300 }, (_, i) => i),
        "each request executed exactly once",
      );
      const pids = new Set(replies.map((r) => r.pid));
      assert.ok(pids.size >= 2, `the processes competed for the queue (pids: ${[...pids]})`);
      assert.equal(await probe.hlen("unacked"), 0, "nothing left unacknowledged");
      assert.deepEqual(await probe.keys("_commissaire.inflight.*"), [], "nothing left in flight");
    } finally {
      await client.close();
    }
  });

  test("closing a consumer restores what it held, flagged redelivered, at the head of the queue", async () => {
    const bus = Bus.connect(server.url(2));
    const service = new TestService({ bus, name: "restored", inFlightLimit: 1 });
    await service.start();
    const client = Bus.connect(server.url(2));
    const db2 = server.client(2);
    try {
      const call = client.request<number>("restored.wait", { n: 3 }, { timeoutMs: 30_000 });
      await waitFor(() => service.running === 1, { what: "the handler to start" });
      // A second request waits on the queue behind the one in flight.
      const second = client.request<number>("restored.wait", { n: 4 }, { timeoutMs: 30_000 });
      await waitFor(async () => (await db2.llen("restored")) === 1, {
        what: "the second request to be queued",
      });
      const stopped = await service.stop(50).finally(() => service.bus.close());
      assert.deepEqual(stopped, { clean: false, finished: 0, restored: 1 });
      assert.deepEqual(await db2.keys("_commissaire.inflight.*"), []);
      const queued = (await db2.lrange("restored", 0, -1)).map((raw) => JSON.parse(raw));
      assert.equal(queued.length, 2);
      const head = queued[1]; // BRPOP takes from the right: the restored one is consumed next
      assert.equal(head.headers.redelivered, true);
      assert.equal(head.properties.delivery_info.redelivered, true);
      const next = new TestService({ bus: Bus.connect(server.url(2)), name: "restored" });
      next.gate.open();
      await next.start();
      assert.deepEqual(await Promise.all([call, second]), [3, 4]);
      assert.deepEqual(next.redeliveredSeen, [true, false]);
      await next.stop(1000).finally(() => next.bus.close());
      service.gate.open();
    } finally {
      db2.disconnect();
      await client.close();
    }
  });

  test("Redis restarted mid-run: service and client carry on", async () => {
    const service = new TestService({ bus: Bus.connect(server.url(0)), name: "restart" });
    service.gate.open();
    await service.start();
    const client = Bus.connect(server.url(0));
    try {
      assert.equal(await client.request("restart.ping"), "pong");
      // A call in flight while Redis goes away gets its reply or a timeout error within its timeout.
      const inFlight = client.request("restart.wait", { n: 1 }, { timeoutMs: 3000 }).then(
        (v) => ({ ok: true, v }),
        (e) => ({ ok: false, e }),
      );
      const started = Date.now();
      await server.restart();
      const outcome: any = await inFlight;
      assert.ok(Date.now() - started < 3000 + 10_000, "the in-flight call settled");
      if (!outcome.ok) assert.ok(outcome.e instanceof RequestTimeoutError, `got ${outcome.e}`);
      // Right after the restart (bindings lost until the service declares them again) a call gets
      // its answer or a timeout, never NoRouteError.
      const first = await client.request("restart.add", { x: 1, y: 1 }, { timeoutMs: 8000 }).then(
        (v) => v,
        (e: Error) => e,
      );
      assert.ok(first === 2 || first instanceof RequestTimeoutError, `got ${first}`);
      // After the restart (data lost), the service declares its binding again and consumes again.
      const answer = await waitFor(
        () =>
          client.request("restart.add", { x: 20, y: 22 }, { timeoutMs: 1000 }).catch(() => null),
        { timeoutMs: 20_000, intervalMs: 100, what: "requests to succeed after the restart" },
      );
      assert.equal(answer, 42);
      const many = await Promise.all(
        Array.from({ length: 50 }, (_, i) => client.request("restart.add", [i, 1])),
      );
      assert.deepEqual(
        many,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    } finally {
      await client.close();
      await service.stop(1000).finally(() => service.bus.close());
    }
  });
});
