/**
 * Wire compatibility with a real kombu peer (Debian's python3-kombu over py-amqp) on one real
 * RabbitMQ: each side calls the other, notifications cross, and queues both sides declare are
 * declared with the same flags (RabbitMQ refuses a second declaration that differs).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { KombuPeer } from "../helpers/kombu-peer.js";
import { RabbitServer } from "../helpers/rabbitmq-server.js";
import { TestService } from "../helpers/test-service.js";

describe("kombu peer on the same RabbitMQ", () => {
  let server: RabbitServer;
  const open: Array<{ close(): Promise<unknown> }> = [];
  const bus = () => {
    const b = Bus.connect(server.url());
    open.push(b);
    return b;
  };
  before(async () => {
    server = await RabbitServer.start();
  });
  after(async () => {
    for (const o of open) await o.close().catch(() => undefined);
    await server.destroy();
  });

  test("a kombu client calls a TypeScript service and decodes its answer", async () => {
    const service = new TestService({ bus: Bus.connect(server.url()), name: "tsvc" });
    service.gate.open();
    await service.start();
    open.push({ close: () => service.stop(500).finally(() => service.bus.close()) });
    const peer = await KombuPeer.start(
      "request",
      server.url(),
      "commissaire",
      "tsvc.add",
      '{"x": 40, "y": 2}',
    );
    const [, answer] = await peer.lines(2);
    assert.equal(answer.content_type, "text/plain");
    assert.deepEqual(answer.response, { jsonrpc: "2.0", id: answer.sent_id, result: 42 });
    assert.equal(await peer.exited(), 0);
    const positional = await KombuPeer.start(
      "request",
      server.url(),
      "commissaire",
      "tsvc.echo",
      '["hi"]',
    );
    assert.equal((await positional.lines(2))[1].response.result, "hi");
  });

  test("a TypeScript client gets answers from a kombu service", async () => {
    const peer = await KombuPeer.start(
      "serve",
      server.url(),
      "commissaire",
      "pysvc",
      "pysvc.*",
      "3",
    );
    const client = bus();
    assert.equal(await client.request("pysvc.add", { x: 1, y: 2 }), 3);
    assert.equal(await client.request("pysvc.add", [5, 6]), 11);
    await assert.rejects(
      client.request("pysvc.nope", {}),
      (e: { code?: number }) => e.code === -32601,
    );
    assert.deepEqual((await peer.lines(2))[1], { handled: 3 });
  });

  test("a queue declared by TypeScript and by kombu: the same flags, both declarations taken", async () => {
    const service = new TestService({ bus: Bus.connect(server.url()), name: "shared" });
    await service.start();
    open.push({ close: () => service.stop(500).finally(() => service.bus.close()) });
    const peer = await KombuPeer.start("bind", server.url(), "commissaire", "shared", "shared.*");
    assert.equal(await peer.exited(), 0, peer.stderr);
    // And the other way round: kombu first, then our service on the same queue.
    const first = await KombuPeer.start(
      "bind",
      server.url(),
      "commissaire",
      "pyfirst",
      "pyfirst.*",
    );
    assert.equal(await first.exited(), 0, first.stderr);
    const late = new TestService({ bus: Bus.connect(server.url()), name: "pyfirst" });
    late.gate.open();
    await late.start();
    open.push({ close: () => late.stop(500).finally(() => late.bus.close()) });
    assert.equal(await bus().request("pyfirst.add", { x: 2, y: 2 }), 4);
  });

  test("a kombu listener receives our storage notifications, by topic pattern", async () => {
    const peer = await KombuPeer.start(
      "listen",
      server.url(),
      "commissaire",
      "notify.storage.Host.*",
      "2",
    );
    const b = bus();
    assert.equal(
      await b.publishStorageNotification("Cluster", "created", { name: "not for it" }),
      0,
    );
    assert.equal(
      await b.publishStorageNotification("Host", "created", { address: "192.0.2.1" }),
      1,
    );
    assert.equal(await b.notify("notify.storage.Host.deleted", { x: 1 }), 1);
    const [, first, second] = await peer.lines(3);
    assert.deepEqual(first, {
      routing_key: "notify.storage.Host.created",
      body: { event: "created", class: "Host", model: { address: "192.0.2.1" } },
      delivery_mode: 1,
    });
    assert.equal(second.routing_key, "notify.storage.Host.deleted");
    assert.deepEqual(second.body, { jsonrpc: "2.0", method: "deleted", params: { x: 1 } });
  });

  test("a TypeScript subscriber receives what kombu publishes, by topic pattern", async () => {
    const b = bus();
    const got: unknown[] = [];
    await b.subscribe("notify.#", (body, delivery) => got.push({ key: delivery.routingKey, body }));
    const peer = await KombuPeer.start(
      "publish",
      server.url(),
      "commissaire",
      "notify.storage.Network.updated",
      '{"event": "updated"}',
    );
    await peer.lines(2);
    await waitFor(() => got.length === 1, { what: "the kombu message" });
    assert.deepEqual(got, [{ key: "notify.storage.Network.updated", body: { event: "updated" } }]);
  });
});
