/** The binaries on an amqp:// bus: a service process, `commissaire call`, `notify` and `listen`. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { RabbitServer } from "../helpers/rabbitmq-server.js";

describe("the binaries on RabbitMQ", () => {
  let server: RabbitServer;
  let service: Running;
  const bus = () => ["--bus-uri", server.url()];
  before(async () => {
    server = await RabbitServer.start();
    service = Running.start(BIN.example, bus());
    await service.waitForLog("the service to start", (r) => r.msg === "service started");
  });
  after(async () => {
    await service.stop();
    await server.destroy();
  });

  test("call prints the result of a service started with an amqp:// URI", async () => {
    const r = await run(BIN.commissaire, ["call", "example.add", '{"x": 1, "y": 2}', ...bus()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), 3);
  });

  test("notify reaches listen", async () => {
    const listener = Running.start(BIN.commissaire, ["listen", "notify.storage.#", ...bus()]);
    try {
      await waitFor(() => listener.stderr.includes("listening on"), { what: "the listener" });
      const n = await run(BIN.commissaire, [
        "notify",
        "notify.storage.Host.created",
        '{"address": "192.0.2.9"}',
        ...bus(),
      ]);
      assert.equal(n.code, 0, n.stderr);
      const line = await waitFor(() => listener.stdout.split("\n").find(Boolean), {
        what: "the listener's line",
      });
      assert.deepEqual(JSON.parse(line), {
        routing_key: "notify.storage.Host.created",
        body: { jsonrpc: "2.0", method: "created", params: { address: "192.0.2.9" } },
      });
      const nobody = await run(BIN.commissaire, ["notify", "nobody.listens", ...bus()]);
      assert.equal(nobody.code, 0);
      assert.match(nobody.stderr, /no queue is bound for "nobody\.listens"/);
    } finally {
      assert.equal(await listener.stop("SIGINT"), 0);
    }
  });

  test("an unreachable broker: call gives up at its timeout, the password never printed", async () => {
    const r = await run(BIN.commissaire, [
      "call",
      "example.ping",
      "--timeout",
      "1",
      "--bus-uri",
      "amqp://guest:secret@127.0.0.1:1/",
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no reply to "example\.ping" within 1000 ms/);
    assert.match(r.stderr, /amqp:\/\/guest:\*\*\*@/);
    assert.doesNotMatch(r.stderr, /secret/);
  });
});
