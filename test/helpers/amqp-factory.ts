/**
 * The conformance factory for the amqp:// transport on a real RabbitMQ node (one per suite run;
 * the suites use fresh queue names). The sweep interval is short here so that crash tests are
 * quick; the integration tests use the defaults.
 */
import amqp, { type ChannelModel } from "amqplib";
import type { AmqpTransport } from "../../src/bus/transports/amqp/transport.js";
import { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { RabbitServer } from "./rabbitmq-server.js";
import type { TransportFactory } from "./transport-factories.js";

export function amqpFactory(): TransportFactory {
  let server: RabbitServer;
  // One node while any suite of the run holds it (a test file may hold it across the bus and
  // contract suites with a setup / teardown of its own): it starts slowly.
  let users = 0;
  let started: Promise<RabbitServer> | null = null;
  let probe: ChannelModel | null = null;
  const amqpOptions = { sweepIntervalMs: 250 };
  /** A channel of a probe connection of our own (made again after connections were dropped). */
  const channel = async () => {
    if (!probe) {
      probe = await amqp.connect(server.url());
      const mine = probe;
      mine.on("error", () => undefined);
      mine.on("close", () => {
        if (probe === mine) probe = null;
      });
    }
    const ch = await probe.createChannel();
    ch.on("error", () => undefined);
    return ch;
  };
  return {
    label: "the amqp transport (real rabbitmq-server)",
    remoteBroker: true,
    amqpTopics: true,
    async setup() {
      users += 1;
      started ??= RabbitServer.start();
      server = await started;
      return {
        bus: (busOptions) =>
          Bus.connect(server.url(), { ...busOptions, transport: { amqp: amqpOptions } }),
        queueExists: async (name) => {
          const ch = await channel();
          // Another connection's exclusive queue answers RESOURCE_LOCKED (405): it exists.
          const found = await ch.checkQueue(name).then(
            () => true,
            (err: { code?: unknown }) => err.code === 405,
          );
          if (found) await ch.close().catch(() => undefined);
          return found;
        },
        // Taken unacknowledged and given back when the channel closes (flagged redelivered).
        messages: async (name) => {
          const ch = await channel();
          const raw: string[] = [];
          try {
            for (;;) {
              const m = await ch.get(name, { noAck: false });
              if (m === false) break;
              const { headers, ...properties } = m.properties;
              raw.push(JSON.stringify({ body: m.content.toString("utf8"), headers, properties }));
            }
          } catch {
            return raw; // no such queue
          }
          await ch.close().catch(() => undefined);
          return raw;
        },
        redeliveryMs: 3000,
        livenessWindow: async (witness) => {
          const sweeper = (witness.transport as AmqpTransport).sweeper;
          const target = sweeper.looks + 3;
          await waitFor(() => sweeper.looks >= target, {
            timeoutMs: 10_000,
            what: "three looks at the queues",
          });
        },
        dropConnections: () => server.closeAllConnections(),
        unreachableBus: (busOptions) =>
          Bus.connect("amqp://guest:guest@127.0.0.1:1/", {
            ...busOptions,
            transport: { amqp: amqpOptions },
          }),
      };
    },
    async teardown() {
      users -= 1;
      if (users > 0) return;
      started = null;
      await probe?.close().catch(() => undefined);
      probe = null;
      await server.destroy();
    },
  };
}
