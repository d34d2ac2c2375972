/**
 * The bus as service authors see it, on every transport (memory, redis; see transport-factories):
 * the same calls, the same answers. Each test builds its services and clients on the factory's
 * shared backend and closes them. The transport contract itself is in contract-suite.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ContainerManagerError,
  NoRouteError,
  RemoteProcedureCallError,
  RequestTimeoutError,
  StorageLookupError,
} from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { rawRequest } from "./raw.js";
import { TestService } from "./test-service.js";
import type { Backend, TransportFactory } from "./transport-factories.js";

export function busSuite(factory: TransportFactory): void {
  describe(`bus behaviour on ${factory.label}`, () => {
    let fx: Backend;
    const open: Array<{ close(): Promise<unknown> }> = [];
    let n = 0;

    before(async () => {
      fx = await factory.setup();
    });
    after(async () => {
      for (const o of open.reverse()) await o.close().catch(() => undefined);
      await factory.teardown();
    });

    /** A started service on a queue of its own, and a client bus. */
    async function pair(options: { inFlightLimit?: number; maxBodyBytes?: number } = {}) {
      const name = `suite${++n}`;
      const service = new TestService({ bus: fx.bus(), name, ...options });
      await service.start();
      const client = fx.bus();
      open.push(client, { close: () => service.stop(200).finally(() => service.bus.close()) });
      return { service, client, name };
    }

    test("request and reply, named and positional params", async () => {
      const { client, name } = await pair();
      assert.equal(await client.request(`${name}.ping`), "pong");
      assert.equal(await client.request(`${name}.add`, { x: 2, y: 3 }), 5);
      assert.equal(await client.request(`${name}.add`, [4, 5]), 9);
      assert.equal(await client.request(`${name}.echo`, ["hello"]), "hello");
      // Without a schema there are no names to give positional params: refused, never undefined.
      await assert.rejects(client.request(`${name}.raw`, [1, "two", { three: 3 }]), {
        code: -32602,
        message: /takes named parameters only/,
      });
      assert.deepEqual(await client.request(`${name}.raw`, []), {});
      assert.deepEqual(await client.request(`${name}.raw`, { a: [1] }), { a: [1] });
      assert.equal(await client.request(`${name}.nothing`), null);
    });

    test("every error code comes back as its class", async () => {
      const { client, name } = await pair();
      const rejects = async (method: string, params: any, check: (e: any) => void) => {
        await assert.rejects(client.request(`${name}.${method}`, params), (e: any) => {
          check(e);
          return true;
        });
      };
      await rejects("nope", {}, (e) => {
        assert.ok(e instanceof RemoteProcedureCallError);
        assert.equal(e.code, -32601);
      });
      await rejects("add", { x: 1, y: "2" }, (e) => {
        assert.equal(e.code, -32602);
        assert.match(e.message, /y: .*expected number/);
      });
      await rejects("add", { x: 1 }, (e) => assert.equal(e.code, -32602));
      await rejects("add", { x: 1, y: 2, z: 3 }, (e) => {
        assert.equal(e.code, -32602);
        assert.match(e.message, /z/);
      });
      await rejects("add", [1, 2, 3], (e) => {
        assert.equal(e.code, -32602);
        assert.match(e.message, /at most 2 positional/);
      });
      await rejects("fail", {}, (e) => {
        assert.equal(e.code, -32603);
        assert.equal(e.message, "deliberate failure");
        assert.equal(e.data.exception, "TypeError");
      });
      await rejects("lookup", {}, (e) => {
        assert.ok(e instanceof StorageLookupError);
        assert.equal(e.code, -20000);
        assert.equal(e.data.model_type_name, "Host");
      });
      await rejects("container", {}, (e) => {
        assert.ok(e instanceof ContainerManagerError);
        assert.equal(e.code, -20001);
      });
      for (const code of [404, 409]) {
        await rejects("custom", { code }, (e) => {
          assert.ok(e instanceof RemoteProcedureCallError);
          assert.equal(e.code, code);
          assert.equal(e.message, `custom ${code}`);
        });
      }
      await rejects("unencodable", {}, (e) => {
        assert.equal(e.code, -32603);
        assert.match(e.message, /cannot be sent as JSON/);
      });
      assert.equal(await client.request(`${name}.ping`), "pong");
    });

    test("malformed messages are answered with their code and the service keeps serving", async () => {
      const { client, name } = await pair({ maxBodyBytes: 4096 });
      const parse = await rawRequest(client, `${name}.ping`, "{not json");
      assert.equal(parse.envelope["content-type"], "text/plain");
      assert.deepEqual(parse.body.id, -1);
      assert.equal(parse.body.error.code, -32700);

      const notObject = await rawRequest(client, `${name}.ping`, "[1, 2]");
      assert.equal(notObject.body.error.code, -32600);

      const wrongMethod = await rawRequest(
        client,
        `${name}.ping`,
        JSON.stringify({ jsonrpc: "2.0", id: "a", method: "add", params: {} }),
      );
      assert.equal(wrongMethod.body.error.code, -32600);
      assert.equal(wrongMethod.body.id, "a");
      assert.match(wrongMethod.body.error.message, /does not match routing key/);

      const noVersion = await rawRequest(
        client,
        `${name}.ping`,
        JSON.stringify({ id: "b", method: "ping", params: {} }),
      );
      assert.equal(noVersion.body.error.code, -32600);

      const badParams = await rawRequest(
        client,
        `${name}.ping`,
        JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping", params: 5 }),
      );
      assert.equal(badParams.body.error.code, -32602);
      assert.equal(badParams.body.id, 7);

      const unknown = await rawRequest(
        client,
        `${name}.nope`,
        JSON.stringify({ jsonrpc: "2.0", id: "c", method: "nope", params: {} }),
      );
      assert.equal(unknown.body.error.code, -32601);

      const pickle = await rawRequest(client, `${name}.ping`, "\x80\x04K\x01.", {
        contentType: "application/x-python-serialize",
      });
      assert.equal(pickle.body.error.code, -32700);
      assert.match(pickle.body.error.message, /x-python-serialize/);

      const huge = await rawRequest(
        client,
        `${name}.echo`,
        JSON.stringify({
          jsonrpc: "2.0",
          id: "d",
          method: "echo",
          params: { words: "x".repeat(10_000) },
        }),
      );
      assert.equal(huge.body.error.code, -32600);
      assert.match(huge.body.error.message, /exceeds the limit of 4096 bytes/);

      assert.equal(await client.request(`${name}.ping`), "pong");
    });

    test("notifications run the handler and get no reply", async () => {
      const { service, client, name } = await pair();
      assert.equal(await client.notify(`${name}.record`, { n: 1 }), 1);
      assert.equal(await client.notify(`${name}.record`, { n: 2 }), 1);
      await waitFor(() => service.executed.length === 2, { what: "two notifications handled" });
      assert.deepEqual(service.executed, [{ n: 1 }, { n: 2 }]);
    });

    test("subscriptions receive storage notifications by topic pattern", async () => {
      const client = fx.bus();
      const publisher = fx.bus();
      open.push(client, publisher);
      const hosts: any[] = [];
      const clusters: any[] = [];
      await client.subscribe("notify.storage.Host.*", (body) => hosts.push(body));
      await client.subscribe("notify.storage.Cluster.#", (body) => clusters.push(body));
      await publisher.publishStorageNotification("Host", "created", { address: "10.0.0.1" });
      await publisher.publishStorageNotification("Cluster", "deleted", { name: "c1" });
      await waitFor(() => clusters.length === 1, { what: "the cluster notification" });
      await waitFor(() => hosts.length === 1, { what: "the host notification" });
      assert.deepEqual(hosts[0], {
        event: "created",
        class: "Host",
        model: { address: "10.0.0.1" },
      });
      assert.deepEqual(clusters, [{ event: "deleted", class: "Cluster", model: { name: "c1" } }]);
    });

    test("the in-flight limit bounds the handlers running at once", async () => {
      const { service, client, name } = await pair({ inFlightLimit: 3 });
      const calls = Array.from({ length: 8 }, (_, i) =>
        client.request(`${name}.wait`, { n: i }, { timeoutMs: 15_000 }),
      );
      await waitFor(() => service.running === 3, { what: "three handlers running" });
      service.gate.open();
      assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.equal(service.maxRunning, 3);
    });

    test("respond() answers early while the handler works on", async () => {
      const { service, client, name } = await pair();
      assert.equal(await client.request(`${name}.early`), "accepted");
      assert.deepEqual(service.afterRespond, []);
      service.gate.open();
      await waitFor(() => service.afterRespond.length === 1, { what: "the handler to finish" });
    });

    test("a timeout names the routing key and the time; the late reply is dropped", async () => {
      const { service, client, name } = await pair();
      await assert.rejects(
        client.request(`${name}.wait`, { n: 1 }, { timeoutMs: 150 }),
        (e: any) => {
          assert.ok(e instanceof RequestTimeoutError);
          assert.match(e.message, new RegExp(`${name}\\.wait.*150 ms`));
          return true;
        },
      );
      service.gate.open();
      await waitFor(() => service.running === 0, { what: "the slow handler to finish" });
      assert.equal(await client.request(`${name}.wait`, { n: 2 }), 2);
    });

    test("a request nobody is bound for fails at once", async () => {
      const client = fx.bus();
      open.push(client);
      await assert.rejects(client.request("nobody.home", {}, { timeoutMs: 5000 }), NoRouteError);
    });

    test("competing services on one queue run each request once", async () => {
      const name = `suite${++n}`;
      const a = new TestService({ bus: fx.bus(), name });
      const b = new TestService({ bus: fx.bus(), name });
      await a.start();
      await b.start();
      const client = fx.bus();
      open.push(
        client,
        { close: () => a.stop(200).finally(() => a.bus.close()) },
        { close: () => b.stop(200).finally(() => b.bus.close()) },
      );
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => client.request(`${name}.record`, { i })),
      );
      assert.equal(results.length, 40);
      const seen = [...a.executed, ...b.executed].map((p: any) => p.i).sort((x, y) => x - y);
      assert.deepEqual(
        seen,
        Array.from({ length: 40 }, (_, i) => i),
      );
    });

    test("graceful stop finishes the work in flight", async () => {
      const { service, client, name } = await pair();
      const calls = [1, 2].map((i) =>
        client.request(`${name}.wait`, { n: i }, { timeoutMs: 15_000 }),
      );
      await waitFor(() => service.running === 2, { what: "two handlers running" });
      const stopping = service.stop(10_000).finally(() => service.bus.close());
      service.gate.open();
      const result = await stopping;
      assert.deepEqual(result, { clean: true, finished: 2, restored: 0 });
      assert.deepEqual(await Promise.all(calls), [1, 2]);
    });

    test("work that cannot finish at stop goes back to the queue, flagged redelivered", async () => {
      const name = `suite${++n}`;
      const first = new TestService({ bus: fx.bus(), name });
      await first.start();
      const client = fx.bus();
      open.push(client);
      const call = client.request(`${name}.wait`, { n: 42 }, { timeoutMs: 15_000 });
      await waitFor(() => first.running === 1, { what: "the handler to start" });
      const result = await first.stop(50).finally(() => first.bus.close());
      assert.deepEqual(result, { clean: false, finished: 0, restored: 1 });
      const second = new TestService({ bus: fx.bus(), name });
      second.gate.open();
      await second.start();
      open.push({ close: () => second.stop(200).finally(() => second.bus.close()) });
      assert.equal(await call, 42);
      assert.deepEqual(second.redeliveredSeen, [true]);
      first.gate.open();
    });

    test("a client's reply queue is removed when it closes", async () => {
      const { client, name } = await pair();
      await client.request(`${name}.ping`);
      const replyQueue = (client as any).replies.name as string;
      assert.equal(await fx.queueExists(replyQueue), true);
      await client.close();
      assert.equal(await fx.queueExists(replyQueue), false);
    });
  });
}
