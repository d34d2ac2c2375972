/** Wire compatibility with a real kombu peer (Debian's python3-kombu) on one real Redis. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { keyToPattern } from "../../src/bus/topic.js";
import { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { KombuPeer } from "../helpers/kombu-peer.js";
import { RedisServer } from "../helpers/servers.js";
import { TestService } from "../helpers/test-service.js";

describe("kombu peer on the same Redis", () => {
  let server: RedisServer;
  let probe: Redis;
  const open: Array<{ close(): Promise<unknown> }> = [];
  before(async () => {
    server = await RedisServer.start();
    probe = server.client(0);
  });
  after(async () => {
    for (const o of open) await o.close().catch(() => undefined);
    probe.disconnect();
    await server.destroy();
  });

  test("a kombu client calls a TypeScript service and decodes its answer", async () => {
    const service = new TestService({ bus: Bus.connect(server.url()), name: "tsvc" });
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
    const failing = await KombuPeer.start(
      "request",
      server.url(),
      "commissaire",
      "tsvc.lookup",
      "{}",
    );
    const error = (await failing.lines(2))[1].response.error;
    assert.equal(error.code, -20000);
    assert.equal(error.data.model_type_name, "Host");
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
    const client = Bus.connect(server.url());
    open.push(client);
    assert.equal(await client.request("pysvc.add", { x: 1, y: 2 }), 3);
    assert.equal(await client.request("pysvc.add", [5, 6]), 11);
    await assert.rejects(client.request("pysvc.nope", {}), (e: any) => e.code === -32601);
    assert.deepEqual((await peer.lines(2))[1], { handled: 3 });
  });

  test("a kombu listener receives what TypeScript publishes, by topic pattern", async () => {
    const peer = await KombuPeer.start(
      "listen",
      server.url(),
      "commissaire",
      "notify.storage.Host.*",
      "2",
    );
    const bus = Bus.connect(server.url());
    open.push(bus);
    assert.equal(
      await bus.publishStorageNotification("Cluster", "created", { name: "not for it" }),
      0,
    );
    assert.equal(
      await bus.publishStorageNotification("Host", "created", { address: "192.0.2.1" }),
      1,
    );
    assert.equal(await bus.notify("notify.storage.Host.deleted", { x: 1 }), 1);
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
    const bus = Bus.connect(server.url());
    open.push(bus);
    const got: any[] = [];
    await bus.subscribe("notify.#", (body, delivery) =>
      got.push({ key: delivery.routingKey, body }),
    );
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

  test("binding members written by TypeScript equal kombu's, byte for byte", async () => {
    const keys = [
      "storage.*",
      "notify.storage.#",
      "notify.storage.*.created",
      "jobs.clusterexec.upgrade",
      "a-b_c.d:e/f",
      "x.#.y",
      "ünï.çödé",
      "*",
      "#",
    ];
    const bus = Bus.connect(server.url(5));
    open.push(bus);
    const db5 = server.client(5);
    try {
      for (const [i, key] of keys.entries()) {
        const queue = `q${i}-${key.length}`;
        const peer = await KombuPeer.start("bind", server.url(5), "kombu-side", queue, key);
        assert.equal(await peer.exited(), 0);
        bus.transport.declareExchange("ts-side", "topic");
        await bus.transport.declareQueue({
          name: queue,
          bindings: [{ exchange: "ts-side", routingKey: key }],
        });
        const kombuMembers = await db5.smembersBuffer("_kombu.binding.kombu-side");
        const tsMembers = await db5.smembersBuffer("_kombu.binding.ts-side");
        const norm = (set: Buffer[]) => set.map((b) => b.toString("hex")).sort();
        assert.deepEqual(norm(tsMembers), norm(kombuMembers), `members for "${key}"`);
        const expected = Buffer.from(`${key}\x06\x16${keyToPattern(key)}\x06\x16${queue}`);
        assert.ok(tsMembers.some((m) => m.equals(expected)));
      }
    } finally {
      db5.disconnect();
    }
  });
});
