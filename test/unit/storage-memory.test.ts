import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBroker } from "../../src/index.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { memoryBus } from "../../src/testing/index.js";
import { storageSuite } from "../helpers/storage-suite.js";

/** A storage service on a memory bus with the given model store configuration. */
async function startStorage(modelStore: Record<string, unknown>, dir: string) {
  const config = {
    storage_handlers: [
      { name: "models", models: ["*"], ...modelStore },
      { name: "secrets", type: "secret_file", directory: join(dir, "secrets") },
      { name: "other", type: "memory", models: [] },
    ],
  };
  const broker = new MemoryBroker();
  const bus = memoryBus(broker);
  const { service, handlers } = await createStorageService({ bus, config, env: {} });
  await service.start();
  return {
    fixture: {
      bus: () => memoryBus(broker),
      secretStore: handlers.get("secrets")!,
      modelStore: handlers.get("models")!,
      otherStore: { name: "other", handler: handlers.get("other")! },
    },
    stop: async () => {
      await service.stop(1000);
      await bus.close();
    },
  };
}

for (const [label, store] of [
  ["the memory handler", { type: "memory" }],
  ["the file handler", { type: "file" }],
] as const) {
  let dir: string;
  let stop: () => Promise<unknown>;
  storageSuite(
    label,
    async () => {
      dir = mkdtempSync(join(tmpdir(), "commissaire-storage-"));
      const started = await startStorage(
        store.type === "file" ? { ...store, directory: join(dir, "models") } : store,
        dir,
      );
      stop = started.stop;
      return started.fixture;
    },
    async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  );
}
