/**
 * The amqp transport's batching on a real RabbitMQ: handlers that finish together have their
 * replies and acknowledgements written in one go (a few socket writes, one multiple ack), and
 * every one of those messages is acknowledged (nothing comes back when the service goes); one call
 * at a time costs each side one socket write per call. And the publisher, which sends amqplib's
 * frames without amqplib's publish, sends the same bytes.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import amqp from "amqplib";
import { Publisher } from "../../src/bus/transports/amqp/publisher.js";
import type { AmqpTransport } from "../../src/bus/transports/amqp/transport.js";
import { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { RabbitServer } from "../helpers/rabbitmq-server.js";
import { TestService } from "../helpers/test-service.js";

/** AMQP's basic.ack method id (class 60, method 80), as amqplib numbers methods. */
const BASIC_ACK = (60 << 16) | 80;

interface Inner {
  sendMethod(channel: number, method: number, fields: unknown): unknown;
  stream: { _write: (...a: unknown[]) => unknown; _writev: (...a: unknown[]) => unknown };
}

/** Counts the socket writes and basic.ack frames of a transport's connection from now on. */
function spy(transport: AmqpTransport): { writes: number; acks: number } {
  const link = (
    transport as unknown as { linker: { current: { connection: { connection: Inner } } } }
  ).linker.current;
  const inner = link.connection.connection;
  const counts = { writes: 0, acks: 0 };
  const { sendMethod } = inner;
  inner.sendMethod = function (this: Inner, channel, method, fields) {
    if (method === BASIC_ACK) counts.acks += 1;
    return sendMethod.call(this, channel, method, fields);
  };
  const socket = inner.stream;
  for (const name of ["_write", "_writev"] as const) {
    const original = socket[name];
    socket[name] = function (this: unknown, ...args: unknown[]) {
      counts.writes += 1;
      return original.apply(this, args);
    };
  }
  return counts;
}

let server: RabbitServer;
before(async () => {
  server = await RabbitServer.start();
});
after(async () => {
  await server.destroy();
});

test("handlers that finish together: replies and acks leave in a few writes, all acknowledged", async () => {
  const CALLS = 40;
  const service = new TestService({
    bus: Bus.connect(server.url()),
    name: "batch",
    inFlightLimit: CALLS,
  });
  const client = Bus.connect(server.url());
  try {
    await service.start();
    assert.equal(await client.request("batch.ping"), "pong"); // connections and queues ready
    const counts = spy(service.bus.transport as AmqpTransport);
    const calls = Array.from({ length: CALLS }, (_, n) =>
      client.request<number>("batch.wait", { n }, { timeoutMs: 30_000 }),
    );
    await waitFor(() => service.running === CALLS, {
      timeoutMs: 20_000,
      what: "the service to hold every call",
    });
    service.gate.open();
    assert.deepEqual(
      await Promise.all(calls),
      Array.from({ length: CALLS }, (_, n) => n),
    );
    // One by one, these would be 40 acks and 80 writes (a reply and an ack each).
    assert.ok(counts.acks <= 2, `${counts.acks} acks for ${CALLS} messages`);
    assert.ok(counts.writes <= 4, `${counts.writes} socket writes for ${CALLS} replies and acks`);
  } finally {
    await service.stop(1000);
    await service.bus.close();
    await client.close();
  }
  // Had an acknowledgement been lost, the broker would have given its message back to the queue.
  const probe = await amqp.connect(server.url());
  try {
    const channel = await probe.createChannel();
    assert.equal((await channel.checkQueue("batch")).messageCount, 0);
  } finally {
    await probe.close();
  }
});

test("one call at a time: one socket write per call on each side, the ack with the reply", async () => {
  const CALLS = 30;
  const service = new TestService({ bus: Bus.connect(server.url()), name: "single" });
  const client = Bus.connect(server.url());
  try {
    await service.start();
    assert.equal(await client.request("single.ping"), "pong"); // connections and queues ready
    const served = spy(service.bus.transport as AmqpTransport);
    const calling = spy(client.transport as AmqpTransport);
    for (let n = 0; n < CALLS; n++)
      assert.equal(await client.request("single.echo", { words: `w${n}` }), `w${n}`);
    // The client writes its request; the service its reply with the request's ack. Anything more
    // per call (an ack, a prefetch change or a publish on its own) is a wake-up of the broker.
    // (A heartbeat may add a write.)
    const oneEach = (writes: number) => writes >= CALLS && writes <= CALLS + 2;
    assert.ok(oneEach(calling.writes), `${calling.writes} client writes for ${CALLS} calls`);
    assert.equal(served.acks, CALLS, `${served.acks} acks for ${CALLS} calls`);
    assert.ok(oneEach(served.writes), `${served.writes} service writes for ${CALLS} calls`);
  } finally {
    await service.stop(1000);
    await service.bus.close();
    await client.close();
  }
});

test("a publish writes the bytes amqplib's own publish writes, confirmed", async () => {
  const connection = await amqp.connect(server.url());
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange("same-bytes", "topic", { durable: false });
    const { queue } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(queue, "same-bytes", "same.#");
    const publisher = new Publisher(channel);
    const socket = (connection.connection as unknown as { stream: { write(c: Buffer): boolean } })
      .stream;
    const write = socket.write;
    let written: Buffer[] = [];
    socket.write = function (this: unknown, chunk: Buffer) {
      written.push(Buffer.from(chunk));
      return write.call(this, chunk);
    } as typeof socket.write;
    const taken = () => {
      const bytes = Buffer.concat(written);
      written = [];
      return bytes;
    };
    const content = Buffer.from('{"jsonrpc": "2.0", "id": "1", "method": "ping"}');
    const options = {
      headers: { "x-commissaire-deadline": Date.now() + 10_000, redelivered: true },
      contentType: "application/json",
      contentEncoding: "utf-8",
      deliveryMode: 2,
      priority: 0,
      replyTo: "response-1",
      correlationId: "1",
    };
    const viaAmqplib = (exchange: string, messageId?: string) =>
      new Promise<void>((resolve, reject) =>
        channel.publish(
          exchange,
          exchange ? "same.ping" : queue,
          content,
          { ...options, mandatory: exchange !== "", ...(messageId ? { messageId } : {}) },
          (err: unknown) => (err ? reject(err) : resolve()),
        ),
      );
    // To an exchange (mandatory, with the publisher's message id), and to a queue.
    assert.equal(await publisher.publish("same-bytes", "same.ping", { content, options }), true);
    const ours = taken();
    const prefix = (publisher as unknown as { prefix: string }).prefix;
    await viaAmqplib("same-bytes", `${prefix}.1`);
    assert.deepEqual(ours, taken());
    assert.equal(await publisher.publish("", queue, { content, options: {} }), true);
    const bare = taken();
    await new Promise<void>((resolve, reject) =>
      channel.publish("", queue, content, {}, (err: unknown) => (err ? reject(err) : resolve())),
    );
    assert.deepEqual(bare, taken());
    assert.equal((await channel.checkQueue(queue)).messageCount, 4);
  } finally {
    await connection.close();
  }
});
