/** `storage.list_leases`: the leases held now under a name prefix, expired ones left out. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RemoteProcedureCallError } from "../../src/bus/errors.js";
import { CommissaireService } from "../../src/service/service.js";
import { InProcessLeases } from "../../src/storage/leases.js";
import { startTestService } from "../../src/testing/index.js";

class Idle extends CommissaireService {
  readonly name = "idle";
}

test("in-process leases are listed by prefix, an expired or released one is not", async () => {
  let now = 0;
  const leases = new InProcessLeases(() => now);
  await leases.acquire("shard:2", "b", 2000);
  await leases.acquire("shard:1", "a", 5000);
  await leases.acquire("other", "a", 5000);
  assert.deepEqual(await leases.list("shard:"), [
    { name: "shard:1", holder: "a" },
    { name: "shard:2", holder: "b" },
  ]);
  now = 2500;
  assert.deepEqual(await leases.list("shard:"), [{ name: "shard:1", holder: "a" }]);
  await leases.release("shard:1", "a");
  assert.deepEqual(await leases.list("shard:"), []);
  assert.deepEqual(await leases.list(""), [{ name: "other", holder: "a" }]);
});

test("storage.list_leases answers the holders over the bus; a bad prefix is -32602", async () => {
  const t = await startTestService((bus) => new Idle({ bus }), { storage: true });
  try {
    await t.storage.acquireLease("watcher-shard:7", "p1", 30);
    await t.storage.acquireLease("watcher-shard:3", "p2", 30);
    await t.storage.acquireLease("host:192.0.2.1", "p1", 30);
    assert.deepEqual(await t.storage.listLeases("watcher-shard:"), [
      { name: "watcher-shard:3", holder: "p2" },
      { name: "watcher-shard:7", holder: "p1" },
    ]);
    await t.storage.releaseLease("watcher-shard:3", "p2");
    assert.deepEqual(await t.storage.listLeases("watcher-"), [
      { name: "watcher-shard:7", holder: "p1" },
    ]);
    await assert.rejects(
      t.storage.listLeases("a/b"),
      (err: unknown) => err instanceof RemoteProcedureCallError && err.code === -32602,
    );
  } finally {
    await t.close();
  }
});
