/**
 * Two storage services on one etcd, behind one Redis bus, both serving from their watch caches:
 * a caller reads its own writes with min_revision whichever answers, every acknowledged write is
 * in etcd, and a list is served as the records' JSON.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EtcdClient } from "../../src/config/etcd-client.js";
import { Bus, Host } from "../../src/index.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { StorageClient } from "../../src/storage/client.js";
import { EtcdServer, RedisServer } from "../helpers/servers.js";

let redis: RedisServer;
let etcd: EtcdServer;
const stops: (() => Promise<void>)[] = [];
let caller: Bus;

async function storage(): Promise<void> {
  const bus = Bus.connect(redis.url(3));
  const { service } = await createStorageService({
    bus,
    config: {
      storage_handlers: [
        { type: "etcd", name: "models", server_url: etcd.url },
        { type: "secret_memory", name: "secrets" },
      ],
    },
    env: {},
  });
  await service.start();
  stops.push(async () => {
    await service.stop(1000);
    await bus.close();
  });
}

before(async () => {
  [redis, etcd] = await Promise.all([RedisServer.start(), EtcdServer.start()]);
  await storage();
  await storage();
  caller = Bus.connect(redis.url(3));
});
after(async () => {
  await caller.close();
  for (const stop of stops) await stop();
  await Promise.all([redis.destroy(), etcd.destroy()]);
});

type Saved = { address: string; cpus: number; _revision: string };
const full = (address: string) => Host.toJson(Host.parse({ address }));

describe("storage services serving from watch caches", () => {
  test("read-your-writes with min_revision, whichever process answers", async () => {
    for (let i = 0; i < 60; i++) {
      const saved = (await caller.request("storage.save", {
        model_type_name: "Host",
        model_json_data: { address: "10.8.0.1", cpus: i },
      })) as Saved;
      const read = (await caller.request("storage.get", {
        model_type_name: "Host",
        model_json_data: { address: "10.8.0.1" },
        min_revision: saved._revision,
      })) as Saved;
      assert.equal(read.cpus, i);
      assert.ok(Number(read._revision) >= Number(saved._revision));
      const listed = (await caller.request("storage.list", {
        model_type_name: "Hosts",
        min_revision: saved._revision,
      })) as Saved[];
      assert.equal(listed.find((h) => h.address === "10.8.0.1")?.cpus, i);
    }
  });

  test("StorageClient passes min_revision", async () => {
    const client = new StorageClient(caller);
    const saved = (await caller.request("storage.save", {
      model_type_name: "Host",
      model_json_data: { address: "10.8.0.2", cpus: 3 },
    })) as Saved;
    const host = await client.getHost("10.8.0.2", { minRevision: saved._revision });
    assert.equal(host.cpus, 3);
  });

  test("nothing lost: every acknowledged save is in etcd as acknowledged", async () => {
    const acknowledged = new Map<string, Saved>();
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = 0; i < 25; i++) {
          const address = `10.8.${1 + worker}.${i % 10}`;
          const saved = (await caller.request("storage.save", {
            model_type_name: "Host",
            model_json_data: { address, cpus: i },
          })) as Saved;
          acknowledged.set(address, saved);
        }
      }),
    );
    const direct = new EtcdClient({ hosts: [etcd.url] });
    try {
      for (const [address, saved] of acknowledged) {
        const stored = JSON.parse((await direct.get(`/commissaire/hosts/${address}`))!);
        assert.equal(stored.cpus, saved.cpus, address);
      }
    } finally {
      direct.close();
    }
    const newest = Math.max(...[...acknowledged.values()].map((s) => Number(s._revision)));
    const listed = (await caller.request("storage.list", {
      model_type_name: "Hosts",
      min_revision: String(newest),
    })) as Saved[];
    for (const [address, saved] of acknowledged) {
      const host = listed.find((h) => h.address === address);
      assert.ok(host && Number(host._revision) >= Number(saved._revision), address);
    }
  });

  test("a list is saved in one etcd transaction: a failed condition writes none of it", async () => {
    await assert.rejects(
      caller.request("storage.save", {
        model_type_name: "Host",
        // Full records (every member): nothing to merge with what is stored.
        model_json_data: [full("10.8.20.1"), full("10.8.20.2")],
        if_revision: [null, "12345"],
      }),
      (err: { code?: number }) => err.code === 409,
    );
    await assert.rejects(
      caller.request("storage.get", {
        model_type_name: "Host",
        model_json_data: { address: "10.8.20.1" },
      }),
      (err: { code?: number }) => err.code === -20000,
    );
    const saved = (await caller.request("storage.save", {
      model_type_name: "Host",
      model_json_data: [{ address: "10.8.20.1" }, { address: "10.8.20.2", cpus: 2 }],
      // Partial ones too: merged with the stored records the cache holds, in one transaction.
    })) as Saved[];
    assert.equal(saved[0]!._revision, saved[1]!._revision, "one transaction, one revision");
  });

  test("a bad min_revision is refused with -32602", async () => {
    await assert.rejects(
      caller.request("storage.get", {
        model_type_name: "Host",
        model_json_data: { address: "10.8.0.1" },
        min_revision: "soon",
      }),
      (err: { code?: number }) => err.code === -32602,
    );
  });
});
