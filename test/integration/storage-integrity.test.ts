/** The integrity suite on real etcd and on the file store, both behind a real Redis bus. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { Bus } from "../../src/index.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { integritySuite } from "../helpers/integrity-suite.js";
import { EtcdServer, RedisServer } from "../helpers/servers.js";

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(async () => {
  await redis.destroy();
});

async function storageOn(db: number, models: Record<string, unknown>) {
  const bus = Bus.connect(redis.url(db));
  const { service } = await createStorageService({
    bus,
    config: { storage_handlers: [models, { type: "secret_memory", name: "secrets" }] },
    env: {},
  });
  await service.start();
  return async () => {
    await service.stop(1000);
    await bus.close();
  };
}

integritySuite("etcd", async () => {
  const etcd = await EtcdServer.start();
  const stop = await storageOn(0, { type: "etcd", name: "models", server_url: etcd.url });
  return {
    busUri: redis.url(0),
    stop: async () => {
      await stop();
      await etcd.destroy();
    },
  };
});

integritySuite("the file store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "commissaire-integrity-"));
  const stop = await storageOn(1, { type: "file", name: "models", directory: dir });
  return {
    busUri: redis.url(1),
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
