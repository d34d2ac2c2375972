/** Stored records carry the schema version that wrote them; readers are never served it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryBroker } from "../../src/index.js";
import { Host, SCHEMA_MEMBER, SCHEMA_VERSION } from "../../src/models/index.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { memoryBus } from "../../src/testing/index.js";

test("every write stamps the record with the schema version, and no reader sees it", async () => {
  const broker = new MemoryBroker();
  const bus = memoryBus(broker);
  const config = {
    storage_handlers: [
      { name: "models", type: "memory" },
      { name: "secrets", type: "secret_memory" },
    ],
  };
  const { service, handlers } = await createStorageService({ bus, config, env: {} });
  await service.start();
  try {
    const call = (method: string, params: Record<string, unknown>) =>
      bus.request<Record<string, unknown>>(`storage.${method}`, params);
    const saved = await call("save", {
      model_type_name: "Host",
      model_json_data: { address: "192.0.2.1" },
    });
    assert.equal(saved[SCHEMA_MEMBER], undefined);
    const models = handlers.get("models")!;
    assert.equal((await models.get(Host, "192.0.2.1"))?.record[SCHEMA_MEMBER], SCHEMA_VERSION);

    // A partial save stamps too; a record written without it (a Python peer) still reads.
    await models.save(Host, "192.0.2.2", { address: "192.0.2.2", status: "active" }, {});
    const old = await call("get", {
      model_type_name: "Host",
      model_json_data: { address: "192.0.2.2" },
    });
    assert.equal(old.status, "active");
    assert.equal(old[SCHEMA_MEMBER], undefined);
    await call("save", {
      model_type_name: "Host",
      model_json_data: { address: "192.0.2.2", status: "failed" },
      members: ["status"],
    });
    assert.equal((await models.get(Host, "192.0.2.2"))?.record[SCHEMA_MEMBER], SCHEMA_VERSION);

    const listed = await bus.request<Record<string, unknown>[]>("storage.list", {
      model_type_name: "Hosts",
    });
    assert.ok(listed.every((h) => !(SCHEMA_MEMBER in h)));
  } finally {
    await service.stop(1000);
    await bus.close();
  }
});
