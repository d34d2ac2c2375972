/**
 * A service under test on an in-memory bus, optionally with a storage service (memory handler)
 * beside it and a StorageClient to arrange and check records, and a recorder of storage
 * notifications started before the service, so none is missed.
 *
 *   const t = await startTestService((bus) => new MyService({ bus }), { storage: true });
 *   await t.storage.save(Host, { address: "192.0.2.1" });
 *   await t.notifications.waitFor(Host, "updated", (h) => h.status === "active");
 *   await t.close();
 */
import { Bus, type BusOptions } from "../bus/bus.js";
import { MemoryBroker } from "../bus/transports/memory/broker.js";
import type { CommissaireService } from "../service/service.js";
import { createStorageService } from "../services/storage/definition.js";
import { StorageClient } from "../storage/client.js";
import { NotificationRecorder } from "./notifications.js";

/** A bus on a memory broker; pass the same broker to connect several buses. */
export function memoryBus(
  broker: MemoryBroker = new MemoryBroker(),
  options: BusOptions = {},
): Bus {
  // Through connect(), like every other bus, so its counters and log lines are the same.
  return Bus.connect("memory://", { ...options, transport: { memoryBroker: broker } });
}

export interface TestServiceOptions {
  broker?: MemoryBroker;
  busOptions?: BusOptions;
  /**
   * A storage service beside the service under test: true for one memory store holding every
   * model (secrets in a second memory store), or a storage configuration of your own.
   */
  storage?: boolean | Record<string, unknown>;
}

export interface TestService<S extends CommissaireService> {
  service: S;
  /** A separate bus on the same broker, to call the service as a client would. */
  client: Bus;
  broker: MemoryBroker;
  /** On the client bus; it needs `storage` in the options to have a service to talk to. */
  storage: StorageClient;
  /** Every storage notification since before the service started. */
  notifications: NotificationRecorder;
  /** Stops the service (and storage), closes every bus this helper opened. */
  close(): Promise<void>;
}

const MEMORY_STORAGE = {
  storage_handlers: [
    { type: "memory", name: "models", models: ["*"] },
    { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
  ],
};

export async function startTestService<S extends CommissaireService>(
  build: (bus: Bus) => S,
  options: TestServiceOptions = {},
): Promise<TestService<S>> {
  const broker = options.broker ?? new MemoryBroker();
  const bus = (): Bus => memoryBus(broker, options.busOptions);
  const client = bus();
  const notifications = await NotificationRecorder.start(client);
  let stopStorage = async (): Promise<void> => {};
  if (options.storage) {
    const storageBus = bus();
    const config = options.storage === true ? MEMORY_STORAGE : options.storage;
    const { service: storage } = await createStorageService({ bus: storageBus, config, env: {} });
    await storage.start();
    stopStorage = async () => {
      await storage.stop(1000);
      await storageBus.close();
    };
  }
  const serviceBus = bus();
  const service = build(serviceBus);
  try {
    await service.start();
  } catch (err) {
    await stopStorage();
    await Promise.all([serviceBus.close(), client.close()]);
    throw err;
  }
  return {
    service,
    client,
    broker,
    storage: new StorageClient(client),
    notifications,
    close: async () => {
      await service.stop(1000);
      await stopStorage();
      await notifications.close();
      await Promise.all([serviceBus.close(), client.close()]);
    },
  };
}
