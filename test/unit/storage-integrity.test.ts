/** Integrity pieces without servers: error mapping, the name rule, extensions, leases, writes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { errorFromWire, errorToWire, StoragePreconditionError } from "../../src/bus/errors.js";
import { MemoryBroker } from "../../src/index.js";
import { Cluster, Host, HostCreds, isAddress, isName } from "../../src/models/index.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { StorageClient } from "../../src/storage/client.js";
import { InProcessLeases } from "../../src/storage/leases.js";
import { memoryBus } from "../../src/testing/index.js";

test("a failed precondition is 409 on the wire and StoragePreconditionError again on arrival", () => {
  const sent = errorToWire(new StoragePreconditionError("stale", { revision: "7" }));
  assert.equal(sent.code, 409);
  const back = errorFromWire(JSON.parse(JSON.stringify(sent)));
  assert.ok(back instanceof StoragePreconditionError);
  assert.deepEqual(back.data, { revision: "7" });
});

test("the name rule: names and addresses", () => {
  for (const ok of ["a", "my-cluster_1", "x".repeat(63)]) assert.ok(isName(ok), ok);
  for (const bad of ["", "a.b", "a/b", "x".repeat(64), "a\u202eb", "a\nb", "a\u0000"])
    assert.ok(!isName(bad), JSON.stringify(bad));
  for (const ok of ["192.0.2.1", "fe80::1", "node-1.example.com", "h".repeat(253)])
    assert.ok(isAddress(ok), ok);
  for (const bad of ["", "a/b", "h".repeat(254), "a b", "x\u0000"]) assert.ok(!isAddress(bad));
  assert.throws(() => Cluster.parse({ name: "a/b" }), /name matching \^\[A-Za-z0-9_-\]\{1,63\}\$/);
  assert.throws(() => Cluster.parse({ name: "c", hostset: ["ok", "not ok"] }), /hostset/);
});

test("members beyond the original's are extensions; _revision is accepted and dropped", () => {
  assert.deepEqual(Host.extensions, [
    "status_reason",
    "watcher_demoted_from",
    "last_boot_id",
    "reboots",
    "flapping",
  ]);
  assert.deepEqual(Cluster.extensions, []);
  assert.deepEqual(
    HostCreds.extensions,
    HostCreds.members.filter((m) => !["address", "ssh_priv_key", "remote_user"].includes(m)),
  );
  assert.deepEqual(Host.parse({ address: "a", _revision: "3" }), Host.create({ address: "a" }));
});

test("in-process leases: one holder, expiry after the TTL, renewal only by the holder", async () => {
  let now = 0;
  const leases = new InProcessLeases(() => now);
  await leases.acquire("l", "a", 2000);
  await assert.rejects(leases.acquire("l", "b", 2000), StoragePreconditionError);
  now = 1500;
  await leases.renew("l", "a", 2000);
  now = 3000;
  await assert.rejects(leases.acquire("l", "b", 2000), /held by another holder/);
  now = 3600;
  await leases.acquire("l", "b", 2000);
  await assert.rejects(leases.renew("l", "a", 2000), /held by another holder/);
  now = 10_000;
  await assert.rejects(leases.renew("l", "b", 2000), /expired or was released/);
  leases.close();
  await leases.acquire("l", "c", 2000);
});

test("a save without our members keeps them; partial saves change only their members", async () => {
  const broker = new MemoryBroker();
  const serviceBus = memoryBus(broker);
  const client = memoryBus(broker);
  const { service } = await createStorageService({
    bus: serviceBus,
    config: { storage_handlers: [{ type: "memory" }, { type: "secret_memory" }] },
    env: {},
  });
  await service.start();
  const storage = new StorageClient(client);
  try {
    await storage.save(Host, { address: "192.0.2.1", status: "failed", status_reason: "why" });
    // As a Python writer sends it: the original's members only.
    await client.request("storage.save", {
      model_type_name: "Host",
      model_json_data: { address: "192.0.2.1", status: "active", os: "rhel" },
    });
    let host = await storage.getHost("192.0.2.1");
    assert.equal(host.status_reason, "why");
    assert.equal(host.status, "active");
    await storage.save(
      Host,
      { address: "192.0.2.1", last_check: "now", os: "ignored" },
      {
        members: ["last_check"],
      },
    );
    host = await storage.getHost("192.0.2.1");
    assert.equal(host.last_check, "now");
    assert.equal(host.os, "rhel");
    await assert.rejects(
      client.request("storage.save", {
        model_type_name: "Host",
        model_json_data: { address: "192.0.2.1" },
        members: ["address"],
      }),
      (e: any) => e.code === -32602 && /cannot be saved alone/.test(e.message),
    );
    await assert.rejects(
      client.request("storage.save", {
        model_type_name: "Host",
        model_json_data: [{ address: "192.0.2.1" }],
        if_revision: "1",
      }),
      (e: any) => e.code === -32602 && /if_revision/.test(e.message),
    );
  } finally {
    await service.stop(1000);
    await Promise.all([serviceBus.close(), client.close()]);
  }
});
