/**
 * One factory per transport, for the conformance suites (test/helpers/contract-suite.ts and
 * bus-suite.ts). A new transport adds a factory here and a test file that runs
 * `conformance(itsFactory)`; nothing else changes.
 */
import type { Redis } from "ioredis";
import type { RedisTransport } from "../../src/bus/transports/redis/transport.js";
import { Bus, type BusOptions, MemoryBroker } from "../../src/index.js";
import { memoryBus, waitFor } from "../../src/testing/index.js";
import { RedisServer } from "./servers.js";

/** The shared backend of one suite run: buses on it stand for separate processes. */
export interface Backend {
  /** A new bus (a new "process") on the shared backend. */
  bus(options?: BusOptions): Bus;
  /** True while a queue (or its bindings) exists on the backend. */
  queueExists(name: string): Promise<boolean>;
  /** The raw messages waiting on a queue (or `<queue>.dead`), next first. */
  messages(name: string): Promise<string[]>;
  /** Within how long a crashed process's messages are back on their queues. */
  readonly redeliveryMs: number;
  /**
   * Resolves once `witness` (a live bus) has had every chance to restore what a dead process held:
   * the observation window of tests that check something does NOT happen to a live one.
   */
  livenessWindow(witness: Bus): Promise<void>;
  /** Drops every connection to the broker (they come back by themselves); absent: no such thing. */
  dropConnections?(): Promise<void>;
  /** A bus whose broker cannot be reached; absent when the transport has no remote broker. */
  unreachableBus?(options?: BusOptions): Bus;
}

export interface TransportFactory {
  readonly label: string;
  /** The broker is a server of its own: connections can be lost, or never made. */
  readonly remoteBroker: boolean;
  /** Topic keys match as AMQP says (`*` exactly one word, `#` zero or more), not as kombu's regexes. */
  readonly amqpTopics?: boolean;
  setup(): Promise<Backend>;
  teardown(): Promise<void>;
}

export function memoryFactory(): TransportFactory {
  return {
    label: "the memory transport",
    remoteBroker: false,
    async setup() {
      const broker = new MemoryBroker();
      return {
        bus: (options) => memoryBus(broker, options),
        queueExists: async (name) => broker.hasQueue(name),
        messages: async (name) => [...broker.peek(name)],
        redeliveryMs: 1000,
        // A crash returns messages at once; nothing happens later.
        livenessWindow: async () => undefined,
      };
    },
    async teardown() {},
  };
}

/**
 * A real redis-server; `db` keeps suites apart, `useBlmpop` picks how listeners pop. The liveness
 * TTL is short here so that crash tests are quick; the integration tests use the defaults.
 */
export function redisFactory(options: { db?: number; useBlmpop?: boolean } = {}): TransportFactory {
  let server: RedisServer;
  let probe: Redis;
  const db = options.db ?? 3;
  const redis = { useBlmpop: options.useBlmpop ?? true, livenessTtlMs: 800, sweepIntervalMs: 200 };
  return {
    label: `the redis transport (real redis-server, listeners ${redis.useBlmpop ? "BLMPOP" : "BRPOP"})`,
    remoteBroker: true,
    async setup() {
      server = await RedisServer.start();
      probe = server.client(db);
      return {
        bus: (busOptions) => Bus.connect(server.url(db), { ...busOptions, transport: { redis } }),
        queueExists: async (name) => {
          if ((await probe.exists(name, `_kombu.binding.${name}`)) > 0) return true;
          // Or bound on any exchange: a member of some binding set ends with the queue's name.
          for (const set of await probe.keys("_kombu.binding.*"))
            if ((await probe.smembers(set)).some((m) => m.endsWith(`\x06\x16${name}`))) return true;
          return false;
        },
        messages: async (name) => (await probe.lrange(name, 0, -1)).reverse(),
        redeliveryMs: 5000,
        livenessWindow: async (witness) => {
          const transport = witness.transport as RedisTransport;
          const target =
            transport.sweeps + Math.ceil((3 * redis.livenessTtlMs) / redis.sweepIntervalMs);
          await waitFor(() => transport.sweeps >= target, {
            timeoutMs: 10_000,
            what: "sweeps over three liveness periods",
          });
        },
        dropConnections: async () => {
          await probe.client("KILL", "TYPE", "normal", "SKIPME", "yes");
        },
        unreachableBus: (busOptions) =>
          Bus.connect(`redis://127.0.0.1:1/${db}`, { ...busOptions, transport: { redis } }),
      };
    },
    async teardown() {
      probe.disconnect();
      await server.destroy();
    },
  };
}
