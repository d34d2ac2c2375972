/**
 * The reliability run on a real RabbitMQ with real processes and default settings: a worker
 * SIGKILLed mid-request, SIGTERM with work in flight, the broker restarted under load.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Bus, RequestTimeoutError } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { RabbitServer } from "../helpers/rabbitmq-server.js";
import { ServiceProcess, SLOW_SERVICE_SCRIPT } from "../helpers/service-process.js";
import { TestService } from "../helpers/test-service.js";

describe("amqp transport under faults", () => {
  let server: RabbitServer;
  const open: Array<{ close(): Promise<unknown> }> = [];
  const bus = (options: Parameters<typeof Bus.connect>[1] = {}) => {
    const b = Bus.connect(server.url(), options);
    open.push(b);
    return b;
  };
  /** Unacknowledged messages of a queue, as the broker counts them. */
  const unacked = async (queue: string): Promise<number> => {
    const out = await server.ctl(
      "list_queues",
      "-q",
      "--no-table-headers",
      "name",
      "messages_unacknowledged",
    );
    const row = out.split("\n").find((l) => l.split(/\s+/)[0] === queue);
    return Number(row?.split(/\s+/)[1] ?? 0);
  };
  before(async () => {
    server = await RabbitServer.start();
  });
  after(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
    await server.destroy();
  });

  test("SIGKILL of a worker with 10 requests in flight: each redelivered and run once more", async () => {
    const victim = await ServiceProcess.start({ BUS_URI: server.url(), SERVICE_NAME: "victim" });
    const client = bus();
    const calls = Array.from({ length: 10 }, (_, i) =>
      client.request<number>("victim.wait", { n: i }, { timeoutMs: 60_000 }),
    );
    await waitFor(async () => (await unacked("victim")) === 10, {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: "the victim to hold all ten",
    });
    await victim.kill();
    const killedAt = Date.now();
    const rescuer = new TestService({ bus: bus(), name: "victim" });
    rescuer.gate.open();
    await rescuer.start();
    open.push({ close: () => rescuer.stop(500) });
    assert.deepEqual(
      await Promise.all(calls),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.ok(Date.now() - killedAt < 10_000, "redelivered within 10 s");
    assert.deepEqual(rescuer.redeliveredSeen, Array(10).fill(true), "each run once more, flagged");
  });

  test("SIGTERM with work in flight: the work finishes and is answered before the exit", async () => {
    const worker = await ServiceProcess.start(
      { BUS_URI: server.url(), SERVICE_NAME: "slow" },
      SLOW_SERVICE_SCRIPT,
    );
    const client = bus();
    const calls = Array.from({ length: 5 }, (_, i) =>
      client.request("slow.slow", { i, ms: 1500 }, { timeoutMs: 30_000 }),
    );
    await waitFor(() => worker.stdout.includes("RUNNING 5"), { what: "five handlers running" });
    const stopped = await worker.stop();
    assert.equal(stopped.code, 0, worker.stderr);
    assert.equal(stopped.executed.length, 5);
    assert.equal((await Promise.all(calls)).length, 5);
  });

  test("broker restart under load: every acknowledged message runs, every caller is answered or told", async () => {
    const log = captureLogger();
    const service = new TestService({ bus: bus({ logger: log.logger }), name: "steady" });
    service.gate.open();
    await service.start();
    open.push({ close: () => service.stop(500) });
    const client = bus({ logger: log.logger });
    const confirmed: number[] = [];
    const outcomes: Array<Promise<string>> = [];
    let n = 0;
    let running = true;
    // Notifications (persistent, no deadline) and requests, until the broker is back and answers.
    const load = (async () => {
      while (running) {
        const i = ++n;
        outcomes.push(
          client.request("steady.ping", {}, { timeoutMs: 3000 }).then(
            () => "answered",
            (e: Error) => (e instanceof RequestTimeoutError ? "timed out" : `told: ${e.message}`),
          ),
        );
        await client.notify("steady.record", { i }).then(
          () => confirmed.push(i),
          () => undefined,
        );
        // Pacing of the load generator (about 100 notifications a second), not synchronisation:
        // every wait on an outcome below is a waitFor on the condition itself.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(() => confirmed.length >= 20, { what: "load before the restart" });
    await server.restart();
    const afterRestart = confirmed.length;
    await waitFor(() => confirmed.length >= afterRestart + 20, {
      timeoutMs: 60_000,
      what: "load after",
    });
    running = false;
    await load;
    const settled = await Promise.all(outcomes);
    assert.ok(settled.every((s) => s === "answered" || s === "timed out" || s.startsWith("told")));
    // Answered again after the restart: the service reconnects on its own backoff, which may end
    // after the load did, so a call is retried until one is answered (or the deadline).
    await waitFor(
      () =>
        client.request("steady.ping", {}, { timeoutMs: 3000 }).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 30_000, what: "a call answered after the restart" },
    );
    await waitFor(
      () => confirmed.every((i) => service.executed.some((p) => (p as { i: number }).i === i)),
      { timeoutMs: 30_000, what: "every confirmed notification to run" },
    );
    assert.match(log.text(), /connection to the broker lost/);
    assert.match(log.text(), /bus connection lost/);
    assert.match(log.text(), /"downMs":\d+.*bus connection restored/);
  });
});
