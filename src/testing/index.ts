/**
 * Helpers for testing services in a few lines, shipped with the library: a service on an in-memory
 * bus with a client bus beside it, and a deadline-bound wait for a condition.
 *
 *   const t = await startTestService((bus) => new MyService({ bus }));
 *   assert.equal(await t.client.request("my.ping"), "pong");
 *   await t.close();
 */
import { Bus, type BusOptions } from "../bus/bus.js";
import { MemoryBroker } from "../bus/transports/memory/broker.js";
import { MemoryTransport } from "../bus/transports/memory/transport.js";
import type { CommissaireService } from "../service/service.js";

/** A bus on a memory broker; pass the same broker to connect several buses. */
export function memoryBus(
  broker: MemoryBroker = new MemoryBroker(),
  options: BusOptions = {},
): Bus {
  return new Bus(new MemoryTransport(broker), options);
}

export interface TestService<S extends CommissaireService> {
  service: S;
  /** A separate bus on the same broker, to call the service as a client would. */
  client: Bus;
  broker: MemoryBroker;
  close(): Promise<void>;
}

export async function startTestService<S extends CommissaireService>(
  build: (bus: Bus) => S,
  options: { broker?: MemoryBroker; busOptions?: BusOptions } = {},
): Promise<TestService<S>> {
  const broker = options.broker ?? new MemoryBroker();
  const service = build(memoryBus(broker, options.busOptions));
  await service.start();
  const client = memoryBus(broker, options.busOptions);
  return {
    service,
    client,
    broker,
    close: async () => {
      await client.close();
      await service.stop(1000);
    },
  };
}

/** Resolves once `condition` holds, polling every intervalMs; rejects after the deadline. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  {
    timeoutMs = 5000,
    intervalMs = 10,
    what = "condition",
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${(lastError as Error).message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs)); // poll interval until the deadline
  }
}
export * from "./fake-executor.js";
