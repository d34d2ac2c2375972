/** Creating a host through the REST server when the model store fails: the credentials are taken back. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryBroker } from "../../src/index.js";
import { HostCreds, type ModelType, modelTypes } from "../../src/models/index.js";
import { Anonymous } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { storedModelNames } from "../../src/services/storage/definition.js";
import { StorageService } from "../../src/services/storage/service.js";
import type { StoredRecord, WriteCondition } from "../../src/storage/handler.js";
import { MemoryStoreHandler } from "../../src/storage/handlers/memory.js";
import { memoryBus } from "../../src/testing/index.js";
import { call } from "../helpers/http.js";

class HostsFail extends MemoryStoreHandler {
  override async save(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ) {
    if (type.name === "Host") throw new Error("disk full");
    return super.save(type, key, record, condition);
  }
}

test("a host whose record cannot be saved leaves no credentials behind", async () => {
  const broker = new MemoryBroker();
  const models = new HostsFail({ name: "models", options: {}, env: {} });
  const secrets = new MemoryStoreHandler({ name: "secrets", options: {}, env: {} });
  const plain = storedModelNames().filter((n) => !modelTypes.get(n)!.secret);
  const storage = new StorageService({
    bus: memoryBus(broker),
    handlers: new Map([
      ["models", models],
      ["secrets", secrets],
    ]),
    definitions: [
      { name: "models", type: "memory", handlerClass: HostsFail, options: {}, models: plain },
      {
        name: "secrets",
        type: "memory",
        handlerClass: MemoryStoreHandler,
        options: {},
        models: ["HostCreds"],
      },
    ],
  });
  await storage.start();
  const serverBus = memoryBus(broker);
  const server = new CommissaireServer({
    bus: serverBus,
    authenticator: new Anonymous(),
    logger: storage.bus.logger,
  });
  const { port } = await server.listen(0, "127.0.0.1");
  try {
    const reply = await call(`http://127.0.0.1:${port}`, "PUT", "/api/v0/host/192.0.2.77", {
      body: { ssh_priv_key: "a2V5" },
    });
    assert.equal(reply.status, 500);
    // What went wrong is in the log under the request's id, never in the body.
    assert.equal(reply.body.error, "internal error");
    assert.match(reply.body.request_id, /^[0-9a-f-]{36}$/);
    assert.equal(await secrets.get(HostCreds, "192.0.2.77"), null);
  } finally {
    await server.close(1000);
    await storage.stop(1000);
    await Promise.all([serverBus.close(), storage.bus.close()]);
  }
});
