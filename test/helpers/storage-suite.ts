/**
 * One behaviour suite for the storage service, run with each model store (memory, file, etcd):
 * every method, batches, errors, notifications seen through a StorageClient, secrets.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Bus, RemoteProcedureCallError, StorageLookupError } from "../../src/index.js";
import { Cluster, Host, HostCreds, Network } from "../../src/models/index.js";
import { StorageClient } from "../../src/storage/client.js";
import type { StoreHandler } from "../../src/storage/handler.js";
import { waitFor } from "../../src/testing/index.js";

export interface StorageFixture {
  /** A client bus on the bus the storage service serves. */
  bus(): Bus;
  /** The secret store the service uses, to look at it directly. */
  secretStore: StoreHandler;
  /** The model store holding Hosts. */
  modelStore: StoreHandler;
  /** Name of a second model store handler a Host `source` may name. */
  otherStore: { name: string; handler: StoreHandler };
}

export function storageSuite(
  label: string,
  setup: () => Promise<StorageFixture>,
  teardown: () => Promise<void>,
): void {
  describe(`storage service on ${label}`, () => {
    let fx: StorageFixture;
    let bus: Bus;
    let storage: StorageClient;
    const events: Array<{ event: string; model: any; type: string }> = [];
    before(async () => {
      fx = await setup();
      bus = fx.bus();
      storage = new StorageClient(bus);
      await storage.onNotify((event, model, type) => events.push({ event, model, type }));
    });
    after(async () => {
      await bus.close();
      await teardown();
    });
    const call = (method: string, params: Record<string, unknown>) =>
      bus.request<any>(`storage.${method}`, params);
    /** Waits for the notifications a call caused, in order. */
    const nextEvents = async (count: number, from: number) => {
      await waitFor(() => events.length >= from + count, {
        what: `${count} storage notification(s)`,
      });
      return events.slice(from, from + count);
    };

    test("save fills defaults, reports created then updated, and an update replaces the fields", async () => {
      const mark = events.length;
      const { _revision, ...saved } = await call("save", {
        model_type_name: "Host",
        model_json_data: { address: "192.0.2.10", cpus: 2 },
      });
      assert.equal(typeof _revision, "string", "every saved record carries its revision");
      assert.deepEqual(saved, {
        address: "192.0.2.10",
        status: "",
        os: "",
        cpus: 2,
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
      const again = await call("save", {
        model_type_name: "Host",
        model_json_data: JSON.stringify({ address: "192.0.2.10", status: "active", os: "fedora" }),
      });
      assert.equal(again.status, "active");
      assert.equal(
        again.cpus,
        0,
        "the new record replaces the old one; it does not keep old fields",
      );
      const [created, updated] = await nextEvents(2, mark);
      assert.deepEqual(created, { event: "created", type: "Host", model: saved });
      assert.equal(updated!.event, "updated");
      assert.equal(updated!.model.os, "fedora");
    });

    test("get returns the full record; a missing one is -20000 with the model named", async () => {
      const got = await call("get", {
        model_type_name: "Host",
        model_json_data: { address: "192.0.2.10" },
      });
      assert.equal(got.os, "fedora");
      await assert.rejects(
        call("get", { model_type_name: "Host", model_json_data: '{"address": "192.0.2.99"}' }),
        (e: any) => {
          assert.ok(e instanceof StorageLookupError);
          assert.equal(e.code, -20000);
          assert.equal(e.data.model_type_name, "Host");
          assert.deepEqual(JSON.parse(e.data.model_json_data as string), { address: "192.0.2.99" });
          return true;
        },
      );
    });

    test("a list is validated whole before anything is written", async () => {
      await assert.rejects(
        call("save", {
          model_type_name: "Host",
          model_json_data: [
            { address: "192.0.2.20" },
            { address: "192.0.2.21", cpus: "many", status: "bogus" },
          ],
        }),
        (e: any) => {
          assert.equal(e.code, -32602);
          assert.match(e.message, /model_json_data\[1\]/);
          assert.match(e.message, /cpus/);
          assert.match(e.message, /status/);
          return true;
        },
      );
      await assert.rejects(
        call("get", { model_type_name: "Host", model_json_data: { address: "192.0.2.20" } }),
        StorageLookupError,
      );
      const saved = await call("save", {
        model_type_name: "Host",
        model_json_data: [{ address: "192.0.2.20" }, { address: "192.0.2.21" }],
      });
      assert.deepEqual(
        saved.map((h: any) => h.address),
        ["192.0.2.20", "192.0.2.21"],
      );
      const got = await call("get", {
        model_type_name: "Host",
        model_json_data: [{ address: "192.0.2.21" }, '{"address": "192.0.2.20"}'],
      });
      assert.deepEqual(
        got.map((h: any) => h.address),
        ["192.0.2.21", "192.0.2.20"],
      );
      await assert.rejects(
        call("get", {
          model_type_name: "Host",
          model_json_data: [{ address: "192.0.2.21" }, { address: "192.0.2.98" }],
        }),
        StorageLookupError,
      );
    });

    test("delete publishes the deleted record; a batch with a missing one deletes nothing", async () => {
      await assert.rejects(
        call("delete", {
          model_type_name: "Host",
          model_json_data: [{ address: "192.0.2.20" }, { address: "192.0.2.97" }],
        }),
        StorageLookupError,
      );
      assert.equal(
        (await call("get", { model_type_name: "Host", model_json_data: { address: "192.0.2.20" } }))
          .address,
        "192.0.2.20",
      );
      const mark = events.length;
      assert.equal(
        await call("delete", {
          model_type_name: "Host",
          model_json_data: [{ address: "192.0.2.20" }, { address: "192.0.2.21" }],
        }),
        null,
      );
      const deleted = await nextEvents(2, mark);
      assert.deepEqual(
        deleted.map((e) => [e.event, e.model.address]),
        [
          ["deleted", "192.0.2.20"],
          ["deleted", "192.0.2.21"],
        ],
      );
      await assert.rejects(
        call("delete", { model_type_name: "Host", model_json_data: { address: "192.0.2.20" } }),
        StorageLookupError,
      );
    });

    test("list by item or list type name", async () => {
      await call("save", {
        model_type_name: "Network",
        model_json_data: [
          { name: "n1" },
          { name: "n2", type: "flannel_server", options: { address: "a:1" } },
        ],
      });
      const byList = await call("list", { model_type_name: "Networks" });
      const byItem = await call("list", { model_type_name: "Network" });
      assert.deepEqual(byList, byItem);
      assert.deepEqual(byList.map((n: any) => n.name).sort(), ["n1", "n2"]);
      const hosts = await call("list", { model_type_name: "Hosts" });
      assert.ok(hosts.some((h: any) => h.address === "192.0.2.10"));
    });

    test("bad calls: unknown model type, invalid data, wrong params", async () => {
      const code = async (p: Promise<unknown>, expected: number, message?: RegExp) =>
        assert.rejects(p, (e: any) => {
          assert.ok(e instanceof RemoteProcedureCallError);
          assert.equal(e.code, expected);
          if (message) assert.match(e.message, message);
          return true;
        });
      await code(
        call("save", { model_type_name: "Spaceship", model_json_data: {} }),
        -32602,
        /unknown model type "Spaceship"/,
      );
      await code(
        call("save", { model_type_name: "Host", model_json_data: { cpus: 1 } }),
        -32602,
        /address/,
      );
      await code(
        call("save", { model_type_name: "Host", model_json_data: "{nope" }),
        -32602,
        /not valid JSON/,
      );
      await code(
        call("save", { model_type_name: "Host", model_json_data: 5 }),
        -32602,
        /must be a JSON object/,
      );
      await code(
        call("save", { model_type_name: "Cluster", model_json_data: { name: "c", extra: 1 } }),
        -32602,
        /extra/,
      );
      await code(call("get", { model_type_name: "Host", model_json_data: {} }), -32602, /address/);
      await code(call("list", { model_type_name: "Host", surprise: true }), -32602, /surprise/);
      await code(call("save", { model_type_name: "Host" }), -32602);
      await code(
        call("save", { model_type_name: "Hosts", model_json_data: [] }),
        -32602,
        /not a stored model type/,
      );
    });

    test("list_store_handlers names every handler with its models", async () => {
      const handlers = await call("list_store_handlers", {});
      const names = handlers.map((h: any) => h.name);
      assert.ok(names.includes(fx.modelStore.name) && names.includes(fx.secretStore.name));
      const secret = handlers.find((h: any) => h.name === fx.secretStore.name);
      assert.deepEqual(secret.model_types, ["HostCreds"]);
      const model = handlers.find((h: any) => h.name === fx.modelStore.name);
      assert.ok(model.model_types.includes("Host"));
      assert.ok(!model.model_types.includes("HostCreds"));
    });

    test("HostCreds go to the secret store only, and never into a notification", async () => {
      const mark = events.length;
      const raw: any[] = [];
      const sub = await bus.subscribe("notify.storage.#", (b) => raw.push(b));
      await call("save", {
        model_type_name: "HostCreds",
        model_json_data: { address: "192.0.2.30", ssh_priv_key: "UFJJVkFURSBLRVk=" },
      });
      assert.equal(
        (await fx.secretStore.get(HostCreds, "192.0.2.30"))?.record.ssh_priv_key,
        "UFJJVkFURSBLRVk=",
      );
      assert.equal(await fx.modelStore.get(HostCreds, "192.0.2.30").catch(() => null), null);
      const creds = await call("get", {
        model_type_name: "HostCreds",
        model_json_data: { address: "192.0.2.30" },
      });
      assert.equal(typeof creds._revision, "string");
      delete creds._revision;
      assert.deepEqual(creds, {
        address: "192.0.2.30",
        ssh_priv_key: "UFJJVkFURSBLRVk=",
        remote_user: "root",
        ssh_host_key: "",
      });
      // A later notification proves the earlier ones (there were none for HostCreds) were delivered.
      await call("save", { model_type_name: "Cluster", model_json_data: { name: "after-creds" } });
      await waitFor(() => raw.some((b) => b.class === "Cluster"), {
        what: "the cluster notification",
      });
      assert.ok(!JSON.stringify(raw).includes("UFJJVkFURSBLRVk="));
      assert.ok(!raw.some((b) => b.class === "HostCreds"));
      assert.ok(!events.slice(mark).some((e) => e.type === "HostCreds"));
      await sub.close();
      await call("delete", {
        model_type_name: "HostCreds",
        model_json_data: { address: "192.0.2.30" },
      });
      assert.equal(await fx.secretStore.get(HostCreds, "192.0.2.30"), null);
    });

    test("a Host whose source names a handler is stored by that handler", async () => {
      await call("save", {
        model_type_name: "Host",
        model_json_data: { address: "192.0.2.40", source: fx.otherStore.name },
      });
      assert.equal(
        (await fx.otherStore.handler.get(Host, "192.0.2.40"))?.record.source,
        fx.otherStore.name,
      );
      assert.equal(await fx.modelStore.get(Host, "192.0.2.40"), null);
      assert.equal(
        (await call("get", { model_type_name: "Host", model_json_data: { address: "192.0.2.40" } }))
          .source,
        fx.otherStore.name,
      );
      assert.ok(
        (await call("list", { model_type_name: "Hosts" })).some(
          (h: any) => h.address === "192.0.2.40",
        ),
      );
      await assert.rejects(
        call("save", {
          model_type_name: "Host",
          model_json_data: { address: "192.0.2.41", source: "nowhere" },
        }),
        /names no store handler/,
      );
      await call("delete", { model_type_name: "Host", model_json_data: { address: "192.0.2.40" } });
      assert.equal(await fx.otherStore.handler.get(Host, "192.0.2.40"), null);
    });

    test("StorageClient speaks models and filters notifications", async () => {
      const clusterEvents: string[] = [];
      const sub = await storage.onNotify(
        (event, model) => clusterEvents.push(`${event}:${model.name}`),
        Cluster,
        "created",
      );
      const cluster = await storage.save(Cluster, { name: "c1", hostset: ["192.0.2.10"] });
      assert.deepEqual(cluster.hostset, ["192.0.2.10"]);
      assert.deepEqual((await storage.getCluster("c1")).hostset, ["192.0.2.10"]);
      await storage.save(Cluster, { name: "c1", status: "ok" }); // updated: filtered out
      await storage.saveMany(Network, [{ name: "n3" }, { name: "n4" }]);
      assert.deepEqual(
        (await storage.getMany(Network, [{ name: "n4" }, { name: "n3" }])).map((n) => n.name),
        ["n4", "n3"],
      );
      assert.equal((await storage.getNetwork("n3")).type, "flannel_etcd");
      assert.equal((await storage.getHost("192.0.2.10")).os, "fedora");
      assert.ok((await storage.list(Network)).length >= 4);
      await storage.deleteMany(Network, [{ name: "n3" }, { name: "n4" }]);
      await assert.rejects(storage.getNetwork("n3"), StorageLookupError);
      await assert.rejects(storage.save(Host, { address: "x", cpus: "two" as never }), /cpus/);
      // Malformed notifications are skipped, valid ones after them still arrive.
      await bus.publish("notify.storage.Cluster.created", "{not json");
      await bus.publish(
        "notify.storage.Cluster.created",
        JSON.stringify({ event: "created", class: "Cluster", model: { name: 5 } }),
      );
      await storage.save(Cluster, { name: "c2" });
      await waitFor(() => clusterEvents.includes("created:c2"), { what: "the c2 notification" });
      assert.deepEqual(clusterEvents, ["created:c1", "created:c2"]);
      await storage.delete(Cluster, { name: "c1" });
      await storage.delete(Cluster, { name: "c2" });
      await sub.close();
    });
  });
}
