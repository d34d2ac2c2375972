/**
 * The per-request cost of a quiet service on Redis: an idle consumer waits on its queue's bell
 * with the take queued behind (one read per request), a reply acknowledges its request in the
 * same script and leaves in the same write as the next wait. Pushes that ring no bell (kombu's) are still found.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { Bus } from "../../src/bus/bus.js";
import { makeEnvelope } from "../../src/bus/envelope.js";
import { EncodedJson } from "../../src/bus/jsonrpc.js";
import type { Delivery } from "../../src/bus/transport.js";
import type { ScriptedRedis } from "../../src/bus/transports/redis/scripts.js";
import { RedisTransport } from "../../src/bus/transports/redis/transport.js";
import type { MessageContext } from "../../src/service/context.js";
import { CommissaireService } from "../../src/service/service.js";
import { waitFor } from "../../src/testing/index.js";
import { RedisServer } from "../helpers/servers.js";

/** Released by the test: handlers that answered early keep working until then. */
let release: () => void = () => undefined;

class Echo extends CommissaireService {
  readonly name = "bells";
  on_echo(params: unknown): unknown {
    return params;
  }

  /** Publishes a notification (a large one: its write takes a while), then answers. */
  on_announce(params: { size: number }): string {
    void this.bus.notify("bells.announced", { data: "x".repeat(params.size) });
    return "announced";
  }

  /** Answers at once (text, or JSON pieces as storage's cache gives) and works on. */
  async on_early(params: { kind: string; size: number }, context: MessageContext): Promise<void> {
    const text = JSON.stringify("x".repeat(params.size));
    await context.respond(params.kind === "pieces" ? new EncodedJson(["[", text, "]"]) : text);
    await new Promise<void>((resolve) => (release = resolve));
  }
}

/** A transport whose consumers' connections can be watched. */
class WatchedTransport extends RedisTransport {
  readonly blocking: ScriptedRedis[] = [];
  override newBlockingConnection(): ScriptedRedis {
    const connection = super.newBlockingConnection();
    this.blocking.push(connection);
    return connection;
  }
}

/** Counts the writes to the kernel (one per write or writev call) made on these sockets. */
function countWrites(sockets: Socket[]): { count: number; stop(): void } {
  const counter = { count: 0, stop: (): void => undefined };
  type Writes = { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
  const restores = sockets.map((socket) => {
    const s = socket as unknown as Writes;
    const [write, writev] = [s._write, s._writev];
    s._write = (...a) => {
      counter.count += 1;
      write.apply(socket, a);
    };
    if (writev)
      s._writev = (...a) => {
        counter.count += 1;
        writev.apply(socket, a);
      };
    return () => {
      s._write = write;
      if (writev) s._writev = writev;
    };
  });
  counter.stop = () => {
    for (const restore of restores) restore();
  };
  return counter;
}

let redis: RedisServer;

interface Setup {
  transport: WatchedTransport;
  caller: Bus;
  admin: Redis;
}

/** The Echo service on database `db` with a caller and an admin connection, all closed after. */
async function withEcho(db: number, run: (setup: Setup) => Promise<void>): Promise<void> {
  const transport = new WatchedTransport(redis.url(db));
  const service = new Echo({ bus: new Bus(transport) });
  await service.start();
  const caller = Bus.connect(redis.url(db));
  const admin = new Redis(redis.url(db));
  try {
    await run({ transport, caller, admin });
  } finally {
    release();
    admin.disconnect();
    await caller.close();
    await service.stop(1000);
    await service.bus.close();
  }
}

before(async () => {
  redis = await RedisServer.start();
});
after(async () => {
  await redis.destroy();
});

test("one request in flight: the service reads its Redis sockets about twice per request", async () => {
  await withEcho(1, async ({ transport, caller, admin }) => {
    await caller.request("bells.echo", { warm: true });
    let reads = 0;
    const count = () => (reads += 1);
    const sockets = [transport.command, ...transport.blocking].map((c) => c.stream);
    for (const s of sockets) s.on("data", count);
    const writes = countWrites(sockets);
    await admin.config("RESETSTAT");
    const requests = 50;
    for (let i = 0; i < requests; i++) await caller.request("bells.echo", { i });
    for (const s of sockets) s.off("data", count);
    // Each reply acknowledged its request (the HDEL in its script): no HDEL of its own followed,
    // which cost a write more per request.
    const stats = await admin.info("commandstats");
    assert.equal(/cmdstat_hdel:calls=(\d+)/.exec(stats)?.[1], String(requests), stats);
    writes.stop();
    // The request with its take, and the answer of the reply that acknowledged it. Before: a
    // ping, the take's answer, the reply's and the ack's answers (3.3 measured).
    assert.ok(reads / requests < 2.5, `${reads / requests} reads per request`);
    // The reply leaves with the next wait and its take, on the consumer's connection. Before: the
    // wait, then the reply on the command connection, then an HDEL (3 measured).
    assert.ok(writes.count / requests < 1.5, `${writes.count / requests} writes per request`);
    assert.equal(await admin.hlen(`_commissaire.inflight.${transport.owner}`), 0);
    // Nobody pings it or reports its own pushes: only kombu's priority lists are listened to.
    const channels = (await admin.call("PUBSUB", "CHANNELS")) as string[];
    assert.ok(!channels.includes("_commissaire.wake.bells"), channels.join());
    assert.ok(!channels.includes("__keyspace@1__:bells"), channels.join());
    assert.ok(channels.includes("__keyspace@1__:bells\x06\x163"), channels.join());
  });
});

test("a reply acknowledges its request: answered early, a request is no longer in flight", async () => {
  await withEcho(5, async ({ transport, caller, admin }) => {
    const flight = `_commissaire.inflight.${transport.owner}`;
    // Text, small pieces, and large pieces (pre-encoded).
    for (const [kind, size] of [
      ["text", 10],
      ["pieces", 10],
      ["pieces", 200_000],
    ] as const) {
      await caller.request("bells.early", { kind, size });
      // The handler still runs (its own acknowledgement is yet to come): the reply did it.
      assert.equal(await admin.hlen(flight), 0, `${kind} ${size}`);
      release();
    }
  });
});

test("a reply never overtakes what its handler published before it", async () => {
  await withEcho(6, async ({ caller, admin }) => {
    // A queue bound to the notification that nobody takes from: it stays where it landed.
    await caller.transport.declareQueue({
      name: "announced",
      bindings: [{ exchange: "commissaire", routingKey: "bells.announced" }],
    });
    for (let i = 0; i < 5; i++) {
      // Lent the consumer's connection, the small reply would reach Redis while it still reads
      // the 8 MB notification from the other one.
      await caller.request("bells.announce", { size: 8_000_000 });
      assert.equal(await admin.llen("announced"), i + 1, `request ${i}`);
    }
  });
});

test("a take that stops short rings the bell for the other consumers", async () => {
  // Looks every 30 s only: the second message can reach B within the deadline by the bell alone.
  const a = new RedisTransport(redis.url(3), { blockSeconds: 30 });
  const b = new RedisTransport(redis.url(3), { blockSeconds: 30 });
  const publisher = new RedisTransport(redis.url(3));
  const byA: Delivery[] = [];
  const byB: Delivery[] = [];
  const spec = { name: "short", bindings: [{ exchange: "x", routingKey: "short" }] };
  try {
    for (const t of [a, b, publisher]) await t.declareQueue(spec);
    const consumerA = a.consume(["short"], (d) => byA.push(d), { prefetch: 1, noAck: false });
    // Both pushed before A takes (its first look), so one take sees both and has room for one.
    const push = (i: number) =>
      publisher.publish(
        "x",
        "short",
        makeEnvelope({ payload: JSON.stringify({ i }), exchange: "x", routingKey: "short" }),
      );
    await push(1);
    await push(2);
    await waitFor(() => byA.length === 1, { what: "A's take" });
    const consumerB = b.consume(["short"], (d) => byB.push(d), { prefetch: 1, noAck: false });
    await waitFor(() => byB.length === 1, { what: "B woken by the bell A rang" });
    await consumerA.ack(byA[0]!);
    await consumerB.ack(byB[0]!);
    await consumerA.stop();
    await consumerB.stop();
  } finally {
    for (const t of [a, b, publisher]) await t.close();
  }
});

test("a push that rings no bell is found, and from then on its keyspace event wakes us", async () => {
  const transport = new RedisTransport(redis.url(4), { blockSeconds: 0.3 });
  const admin = new Redis(redis.url(4));
  const got: Delivery[] = [];
  try {
    await transport.declareQueue({ name: "plain", bindings: [] });
    const consumer = transport.consume(["plain"], (d) => got.push(d), {
      prefetch: 4,
      noAck: false,
    });
    const envelope = (i: number) =>
      JSON.stringify(
        makeEnvelope({ payload: JSON.stringify({ i }), exchange: "", routingKey: "plain" }),
      );
    await waitFor(async () => ((await admin.call("PUBSUB", "CHANNELS")) as string[]).length > 0);
    // As kombu pushes: no bell, no ping.
    await admin.lpush("plain", envelope(1));
    await waitFor(() => got.length === 1, { what: "the look after the wait" });
    await waitFor(
      async () =>
        ((await admin.call("PUBSUB", "CHANNELS")) as string[]).includes("__keyspace@4__:plain"),
      { what: "listening to the list's keyspace events" },
    );
    await admin.lpush("plain", envelope(2));
    await waitFor(() => got.length === 2, { what: "the second push" });
    for (const d of got) await consumer.ack(d);
    await consumer.stop();
  } finally {
    admin.disconnect();
    await transport.close();
  }
});
