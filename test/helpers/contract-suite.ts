/**
 * The transport contract (docs/transports.md), checked the same way on every transport through
 * its factory: routing, acknowledgement after the work, redelivery of a crashed consumer's
 * messages, reject / requeue, deadlines, prefetch and byte budget, oversized and poison messages,
 * auto-delete clean-up, reconnects, close with a deadline. `conformance(factory)` runs it together
 * with the bus behaviour suite.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEADLINE_HEADER } from "../../src/bus/deadline.js";
import { makeEnvelope } from "../../src/bus/envelope.js";
import { type Bus, type Delivery, QueueLockedError, RequestTimeoutError } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { busSuite } from "./bus-suite.js";
import { TestService } from "./test-service.js";
import type { Backend, TransportFactory } from "./transport-factories.js";

export function conformance(factory: TransportFactory): void {
  busSuite(factory);
  contractSuite(factory);
}

export function contractSuite(factory: TransportFactory): void {
  describe(`transport contract on ${factory.label}`, () => {
    let fx: Backend;
    const open: Array<{ close(): Promise<unknown> }> = [];
    let n = 0;
    const fresh = (prefix: string) => `${prefix}${++n}-${Date.now().toString(36)}`;
    const bus = (): Bus => {
      const b = fx.bus();
      open.push(b);
      return b;
    };
    const service = async (
      name: string,
      options: { inFlightLimit?: number; open?: boolean; maxBodyBytes?: number } = {},
    ) => {
      const s = new TestService({ bus: fx.bus(), name, ...options });
      if (options.open) s.gate.open();
      await s.start();
      open.push({ close: () => s.stop(200).finally(() => s.bus.close()) });
      return s;
    };

    // Every bus of the suite, to sum what they count (whichever process sweeps a dead one counts).
    const made: Bus[] = [];
    const deadLettered = () => made.reduce((sum, b) => sum + b.counters.deadLettered, 0);

    before(async () => {
      const backend = await factory.setup();
      fx = {
        ...backend,
        bus: (options) => {
          const b = backend.bus(options);
          made.push(b);
          return b;
        },
      };
    });
    after(async () => {
      for (const o of open.reverse()) await o.close().catch(() => undefined);
      await factory.teardown();
    });

    test("topic routing matches as kombu does: * and # across words", async () => {
      const b = bus();
      const base = fresh("rt");
      const keys = ["a.*", "a.#", "a.b.c", "#"];
      const queue = (k: string) => `${base}:${k}`;
      for (const k of keys)
        await b.transport.declareQueue({
          name: queue(k),
          bindings: [{ exchange: b.exchange, routingKey: `${base}.${k}` }],
        });
      await b.publish(`${base}.a.x`, "{}");
      await b.publish(`${base}.a.b.c`, "{}");
      await b.publish(`${base}.a`, "{}");
      // kombu: `*` is `.*?[^.]` (so a.* also matches a.b.c), `#` needs at least the dot before it.
      // AMQP (RabbitMQ routes itself): `*` is exactly one word, `#` zero or more.
      const amqp = factory.amqpTopics === true;
      assert.equal((await fx.messages(queue("a.*"))).length, amqp ? 1 : 2);
      assert.equal((await fx.messages(queue("a.#"))).length, amqp ? 3 : 2);
      assert.equal((await fx.messages(queue("a.b.c"))).length, 1);
      assert.equal((await fx.messages(queue("#"))).length, 3);
      for (const k of keys) await b.transport.deleteQueue({ name: queue(k), bindings: [] });
    });

    test("ack after the work: a crashed consumer's message goes to another, flagged redelivered", async () => {
      const name = fresh("crash");
      const victim = new TestService({ bus: fx.bus(), name, inFlightLimit: 1 });
      await victim.start();
      const client = bus();
      const call = client.request<number>(`${name}.wait`, { n: 5 }, { timeoutMs: 20_000 });
      await waitFor(() => victim.running === 1, { what: "the victim to take the request" });
      assert.equal((await fx.messages(name)).length, 0, "held by the victim, not on the queue");
      victim.bus.transport.abort();
      const rescuer = await service(name, { open: true });
      const started = Date.now();
      assert.equal(await call, 5);
      assert.ok(Date.now() - started < fx.redeliveryMs, "redelivered in time");
      assert.deepEqual(rescuer.redeliveredSeen, [true]);
    });

    test("a long handler of a live consumer is never taken for dead", async () => {
      const name = fresh("long");
      const worker = await service(name, { inFlightLimit: 1 });
      const client = bus();
      const call = client.request<number>(`${name}.wait`, { n: 9 }, { timeoutMs: 20_000 });
      await waitFor(() => worker.running === 1, { what: "the handler to start" });
      const other = await service(name, { open: true });
      await fx.livenessWindow(other.bus);
      assert.deepEqual(other.redeliveredSeen, [], "not redelivered while its consumer lives");
      worker.gate.open();
      assert.equal(await call, 9);
      assert.deepEqual(worker.redeliveredSeen, [false]);
    });

    test("after 5 deliveries to consumers that died, a message goes to <queue>.dead", async () => {
      const name = fresh("poison");
      const countedBefore = deadLettered();
      const client = bus();
      await client.transport.declareQueue({
        name,
        bindings: [{ exchange: client.exchange, routingKey: `${name}.*` }],
      });
      assert.equal(await client.notify(`${name}.wait`, { n: 1 }), 1);
      for (let round = 1; round <= 5; round++) {
        const victim = new TestService({ bus: fx.bus(), name, inFlightLimit: 1 });
        await victim.start();
        await waitFor(() => victim.running === 1, {
          timeoutMs: fx.redeliveryMs + 2000,
          what: `delivery ${round}`,
        });
        assert.deepEqual(victim.redeliveredSeen, [round > 1]);
        victim.bus.transport.abort();
      }
      const dead = await waitFor(async () => (await fx.messages(`${name}.dead`)).length === 1, {
        timeoutMs: fx.redeliveryMs + 2000,
        what: "the poison message in the dead queue",
      });
      assert.ok(dead);
      const [raw] = await fx.messages(`${name}.dead`);
      assert.equal(JSON.parse(raw!).headers["x-commissaire-redeliveries"], 5);
      assert.equal((await fx.messages(name)).length, 0);
      // Counted once, by the bus of the process that moved it.
      await waitFor(() => deadLettered() === countedBefore + 1, {
        what: "bus.counters.deadLettered",
      });
    });

    test("an exclusive queue is its declarer's alone until that declarer closes or dies", async () => {
      const spec = { name: fresh("exclusive"), bindings: [], exclusive: true };
      const [first, second, third] = [bus(), bus(), bus()];
      await first.transport.declareQueue(spec);
      await first.transport.declareQueue(spec);
      await assert.rejects(second.transport.declareQueue(spec), QueueLockedError);
      first.transport.abort();
      // (waitFor retries while the declaration is refused.)
      const claimed = await waitFor(() => second.transport.declareQueue(spec).then(() => true), {
        timeoutMs: fx.redeliveryMs + 2000,
        what: "the dead declarer's claim to lapse",
      });
      assert.ok(claimed);
      await assert.rejects(third.transport.declareQueue(spec), QueueLockedError);
      await second.close();
      await third.transport.declareQueue(spec);
    });

    test("reject: requeued comes back flagged redelivered; not requeued is gone", async () => {
      const b = bus();
      const name = fresh("reject");
      await b.transport.declareQueue({
        name,
        bindings: [{ exchange: b.exchange, routingKey: `${name}.x` }],
      });
      const got: Delivery[] = [];
      const consumer = b.transport.consume([name], (d) => got.push(d), {
        prefetch: 1,
        noAck: false,
      });
      try {
        await b.publish(`${name}.x`, '{"a": 1}');
        await waitFor(() => got.length === 1, { what: "the first delivery" });
        assert.equal(got[0]!.redelivered, false);
        await consumer.reject(got[0]!, true);
        await waitFor(() => got.length === 2, { what: "the requeued delivery" });
        assert.equal(got[1]!.redelivered, true);
        await consumer.reject(got[1]!, false);
        assert.equal(consumer.inFlight, 0);
        assert.deepEqual(await fx.messages(name), []);
      } finally {
        await consumer.stop();
      }
    });

    test("prefetch and the byte budget bound what is in flight", async () => {
      const b = bus();
      const name = fresh("budget");
      await b.transport.declareQueue({
        name,
        bindings: [{ exchange: b.exchange, routingKey: `${name}.x` }],
      });
      const payload = JSON.stringify({ pad: "p".repeat(3000) });
      for (let i = 0; i < 5; i++) await b.publish(`${name}.x`, payload);
      const size = (await fx.messages(name))[0]!.length;
      const got: Delivery[] = [];
      const consumer = b.transport.consume([name], (d) => got.push(d), {
        prefetch: 10,
        noAck: false,
        maxInFlightBytes: Math.floor(size * 2.5),
      });
      try {
        await waitFor(() => got.length === 2, { what: "two deliveries" });
        assert.equal((await fx.messages(name)).length, 3, "the rest waits for room");
        await consumer.ack(got[0]!);
        await waitFor(() => got.length === 3, { what: "a third once one is settled" });
        assert.equal(consumer.inFlight, 2);
      } finally {
        await consumer.stop();
        await consumer.restoreUnsettled();
      }
    });

    test("deadlines: an expired request never reaches its handler; a notification never expires", async () => {
      const name = fresh("deadline");
      const s = await service(name, { inFlightLimit: 1 });
      const client = bus();
      const busy = client.request<number>(`${name}.wait`, { n: 1 }, { timeoutMs: 20_000 });
      await waitFor(() => s.running === 1, { what: "the service to be busy" });
      await assert.rejects(
        client.request(`${name}.record`, { late: true }, { timeoutMs: 100 }),
        RequestTimeoutError,
      );
      // A notification (no reply_to) with a deadline header long past still runs.
      await client.transport.publish(
        client.exchange,
        `${name}.record`,
        makeEnvelope({
          payload: JSON.stringify({ jsonrpc: "2.0", method: "record", params: { note: true } }),
          exchange: client.exchange,
          routingKey: `${name}.record`,
          headers: { [DEADLINE_HEADER]: Date.now() - 60_000 },
        }),
      );
      s.gate.open();
      assert.equal(await busy, 1);
      await waitFor(() => s.executed.length === 1, { what: "the notification to run" });
      await waitFor(() => s.bus.counters.expired === 1, { what: "the expired request counted" });
      assert.deepEqual(s.executed, [{ note: true }]);
      assert.equal(await client.request(`${name}.ping`), "pong");
    });

    test("an oversized request is set aside unread and its caller answered -32600 at once", async () => {
      const name = fresh("big");
      await service(name, { maxBodyBytes: 4096, open: true });
      const client = bus();
      await assert.rejects(
        client.request(`${name}.echo`, { words: "w".repeat(10_000) }, { timeoutMs: 5000 }),
        (e: { code?: number; message?: string }) => {
          assert.equal(e.code, -32600);
          assert.match(String(e.message), /exceeds the limit of 4096 bytes/);
          return true;
        },
      );
      assert.equal((await fx.messages(`${name}.dead`)).length, 1);
      assert.equal(await client.request(`${name}.echo`, { words: "small" }), "small");
    });

    test("a crashed client's reply queue and subscriptions are removed", async () => {
      const name = fresh("gone");
      await service(name, { open: true });
      const client = fx.bus();
      const witness = bus();
      await client.request(`${name}.ping`);
      const sub = await client.subscribe(`notes-${name}.#`, () => undefined);
      const replyQueue = (client as unknown as { replies: { name: string } }).replies.name;
      assert.equal(await fx.queueExists(sub.queue), true);
      client.transport.abort();
      await waitFor(
        async () => !(await fx.queueExists(sub.queue)) && !(await fx.queueExists(replyQueue)),
        { timeoutMs: fx.redeliveryMs + 2000, what: "the dead client's queues to go" },
      );
      assert.equal(await witness.notify(`notes-${name}.x`, {}), 0);
    });

    if (factory.remoteBroker) {
      // Only transports with a remote broker have connections to lose.
      test("connections dropped: services and clients carry on", async () => {
        const name = fresh("drop");
        await service(name, { open: true });
        const client = bus();
        assert.equal(await client.request(`${name}.ping`), "pong");
        await fx.dropConnections!();
        const answer = await waitFor(
          () =>
            client.request(`${name}.add`, { x: 1, y: 2 }, { timeoutMs: 1000 }).catch(() => null),
          { timeoutMs: 10_000, intervalMs: 50, what: "an answer after the drop" },
        );
        assert.equal(answer, 3);
      });

      test("an unreachable broker: the call times out and close ends within its deadline", async () => {
        const b = fx.unreachableBus!();
        const started = Date.now();
        await assert.rejects(b.request("x.y", {}, { timeoutMs: 300 }), RequestTimeoutError);
        await b.close(200);
        assert.ok(Date.now() - started < 300 + 200 + 500, `took ${Date.now() - started} ms`);
      });
    }
  });
}
