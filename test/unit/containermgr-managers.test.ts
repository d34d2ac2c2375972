/**
 * The service's set of managers: a notification read after a reload asked for its list wins over
 * that list, so a slow reload never revives a deleted manager or brings back an old record.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { StorageLookupError } from "../../src/bus/errors.js";
import type { ContainerManagerConfig } from "../../src/models/index.js";
import { ManagerSet } from "../../src/services/containermgr/managers.js";
import type { StorageClient } from "../../src/storage/client.js";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test("a reload's older list does not undo what notifications did meanwhile", async () => {
  const stored = new Map<string, ContainerManagerConfig>();
  let pendingList = deferred<ContainerManagerConfig[]>();
  const storage = {
    list: async () => [...stored.values()],
    get: async (_type: unknown, { name }: { name: string }) => {
      const c = stored.get(name);
      if (!c) throw new StorageLookupError(`${name} not stored`);
      return c;
    },
  };
  const set = new ManagerSet(storage as unknown as StorageClient, silentLogger());
  stored.set("a", { name: "a", type: "trivial", options: {} });
  stored.set("b", { name: "b", type: "trivial", options: {} });
  await set.reload();
  assert.deepEqual(set.names(), ["a", "b"]);
  const firstB = set.get("b");

  // A reload asks for the list; before it comes back, "a" is deleted and "b" changes.
  const before = [...stored.values()];
  storage.list = () => pendingList.promise;
  const reloading = set.reload();
  stored.delete("a");
  await set.changed("a", true);
  stored.set("b", { name: "b", type: "kubernetes", options: { server_url: "http://x" } });
  await set.changed("b", false);
  pendingList.resolve(before);
  await reloading;
  assert.deepEqual(set.names(), ["b"], "the deleted manager stays deleted");
  assert.throws(() => set.get("b"), /must be an https/, "b keeps its newer record");

  // The next reload, with a fresh list, applies as usual.
  pendingList = deferred();
  const next = set.reload();
  pendingList.resolve([{ name: "b", type: "trivial", options: {} }]);
  await next;
  assert.notEqual(set.get("b"), firstB);
  assert.equal(set.get("b").type, "trivial");
  set.close();
});
