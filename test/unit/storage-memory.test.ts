import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBroker } from "../../src/index.js";
import { modelTypes } from "../../src/models/index.js";
import { storedModelNames } from "../../src/services/storage/definition.js";
import { StorageService } from "../../src/services/storage/service.js";
import {
  createHandlers,
  defineHandlers,
  storableFrom,
} from "../../src/storage/handler-registry.js";
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
  const definitions = await defineHandlers(
    config,
    storableFrom(modelTypes.values(), storedModelNames()),
  );
  const handlers = createHandlers(definitions, {});
  const broker = new MemoryBroker();
  const service = new StorageService({ bus: memoryBus(broker), handlers, definitions });
  await service.start();
  return {
    fixture: {
      bus: () => memoryBus(broker),
      secretStore: handlers.get("secrets")!,
      modelStore: handlers.get("models")!,
      otherStore: { name: "other", handler: handlers.get("other")! },
    },
    stop: () => service.stop(1000),
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
