/**
 * The storage service on real servers: the behaviour suite on Redis + etcd + Custodia, two service
 * processes on one queue, and etcd going away and coming back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Bus, RemoteProcedureCallError, StorageLookupError } from "../../src/index.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { StorageClient } from "../../src/storage/client.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running } from "../helpers/cli.js";
import { KombuPeer } from "../helpers/kombu-peer.js";
import { CustodiaServer, EtcdServer, RedisServer } from "../helpers/servers.js";
import { storageSuite } from "../helpers/storage-suite.js";

async function storageOn(busUri: string, config: Record<string, unknown>) {
  const bus = Bus.connect(busUri);
  const { service, handlers } = await createStorageService({ bus, config, env: {} });
  await service.start();
  const stop = async (timeoutMs: number) => {
    await service.stop(timeoutMs);
    await bus.close();
  };
  return { service, handlers, stop };
}

let redis: RedisServer;
let etcd: EtcdServer;
let custodia: CustodiaServer;
let stopSuite: () => Promise<unknown>;

before(async () => {
  [redis, etcd, custodia] = await Promise.all([
    RedisServer.start(),
    EtcdServer.start(),
    CustodiaServer.start(),
  ]);
});
after(async () => {
  await Promise.all([redis.destroy(), etcd.destroy(), custodia.destroy()]);
});

storageSuite(
  "Redis, etcd and Custodia (real servers)",
  async () => {
    const { handlers, stop } = await storageOn(redis.url(0), {
      storage_handlers: [
        { type: "etcd", name: "models", server_url: etcd.url },
        { type: "custodia", name: "secrets" },
        { type: "memory", name: "other", models: [] },
      ],
      custodia_socket_path: custodia.socketPath,
    });
    stopSuite = () => stop(1000);
    return {
      bus: () => Bus.connect(redis.url(0)),
      modelStore: handlers.get("models")!,
      secretStore: handlers.get("secrets")!,
      otherStore: { name: "other", handler: handlers.get("other")! },
    };
  },
  async () => {
    await stopSuite();
  },
);

test("a kombu client (as the Python services call storage) saves and gets through this storage service", async () => {
  const { stop } = await storageOn(redis.url(3), {
    storage_handlers: [{ type: "etcd", server_url: etcd.url }],
  });
  try {
    // The Python StorageClient sends model_json_data as a JSON text.
    const saved = await KombuPeer.start(
      "request",
      redis.url(3),
      "commissaire",
      "storage.save",
      JSON.stringify({
        model_type_name: "Host",
        model_json_data: JSON.stringify({ address: "198.51.100.7", os: "rhel" }),
      }),
    );
    const [, save] = await saved.lines(2);
    assert.equal(save.content_type, "text/plain");
    const { _revision, ...result } = save.response.result;
    assert.equal(typeof _revision, "string", "our extension: the record's revision");
    assert.deepEqual(result, {
      address: "198.51.100.7",
      status: "",
      os: "rhel",
      cpus: 0,
      memory: 0,
      space: 0,
      last_check: "",
      source: "",
      status_reason: "",
      watcher_demoted_from: "",
      last_boot_id: "",
      reboots: 0,
      flapping: false,
    });
    const got = await KombuPeer.start(
      "request",
      redis.url(3),
      "commissaire",
      "storage.get",
      JSON.stringify({
        model_type_name: "Host",
        model_json_data: '{"address": "198.51.100.7"}',
      }),
    );
    assert.equal((await got.lines(2))[1].response.result.os, "rhel");
    const missing = await KombuPeer.start(
      "request",
      redis.url(3),
      "commissaire",
      "storage.get",
      JSON.stringify({
        model_type_name: "Host",
        model_json_data: '{"address": "198.51.100.8"}',
      }),
    );
    const error = (await missing.lines(2))[1].response.error;
    assert.equal(error.code, -20000);
    assert.equal(error.data.model_type_name, "Host");
  } finally {
    await stop(1000);
  }
});

describe("storage service processes on etcd", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "commissaire-storage-proc-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("two storage service processes on one queue: each request executed once", async () => {
    const conf = join(dir, "storage.conf");
    writeFileSync(
      conf,
      JSON.stringify({
        "bus-uri": redis.url(1),
        // A secret store that answers: until every store does, a service does not say "started".
        "storage-handlers": [{ type: "etcd", "server-url": [etcd.url] }, { type: "secret_memory" }],
      }),
    );
    const procs = [
      Running.start(BIN.storage, ["-c", conf]),
      Running.start(BIN.storage, ["-c", conf]),
    ];
    const client = Bus.connect(redis.url(1));
    try {
      for (const p of procs)
        await p.waitForLog("storage to start", (r) => r.msg === "service started");
      const storage = new StorageClient(client);
      const events: string[] = [];
      await storage.onNotify((event, model) => events.push(`${event} ${model.name}`), "Network");
      const names = Array.from({ length: 100 }, (_, i) => `proc-net-${i}`);
      await Promise.all(
        names.map((name) =>
          client.request("storage.save", { model_type_name: "Network", model_json_data: { name } }),
        ),
      );
      await waitFor(() => events.length >= 100, { what: "100 notifications" });
      // Executed twice, a save would have published "updated" as well.
      assert.deepEqual(events.sort(), names.map((n) => `created ${n}`).sort());
      const listed = await client.request<any[]>("storage.list", { model_type_name: "Networks" });
      assert.equal(listed.filter((n) => n.name.startsWith("proc-net-")).length, 100);
      await client.request("storage.delete", {
        model_type_name: "Network",
        model_json_data: names.map((name) => ({ name })),
      });
    } finally {
      await client.close();
      for (const p of procs) assert.equal(await p.stop(), 0);
    }
  });

  test("etcd stopped: clear errors, no crash; etcd back: the service recovers", async () => {
    const { stop } = await storageOn(redis.url(2), {
      storage_handlers: [{ type: "etcd", server_url: etcd.url }],
    });
    const client = Bus.connect(redis.url(2));
    try {
      await client.request("storage.save", {
        model_type_name: "Cluster",
        model_json_data: { name: "survivor" },
      });
      await etcd.stop();
      const started = Date.now();
      await assert.rejects(
        client.request("storage.get", {
          model_type_name: "Cluster",
          model_json_data: { name: "survivor" },
        }),
        (e: any) => {
          assert.ok(e instanceof RemoteProcedureCallError);
          assert.equal(e.code, -32603);
          assert.match(e.message, /store handler "etcd" could not read Cluster survivor/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 10_000, "answered within the call's timeout");
      await assert.rejects(
        client.request("storage.save", {
          model_type_name: "Cluster",
          model_json_data: { name: "x" },
        }),
        (e: any) => e.code === -32603,
      );
      await etcd.restart();
      const back = await waitFor(
        () =>
          client
            .request<any>("storage.get", {
              model_type_name: "Cluster",
              model_json_data: { name: "survivor" },
            })
            .catch(() => null),
        { timeoutMs: 30_000, intervalMs: 200, what: "etcd to answer again" },
      );
      assert.equal(back.name, "survivor");
      await assert.rejects(
        client.request("storage.get", {
          model_type_name: "Cluster",
          model_json_data: { name: "x" },
        }),
        StorageLookupError,
      );
    } finally {
      await client.close();
      await stop(1000);
    }
  });
});
