/** Which record an etcd key holds (every watch event and write asks). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { recordOfKey } from "../../src/storage/handlers/etcd-layout.js";

test("a record's key names its model type and id; other keys are not records", () => {
  assert.deepEqual(recordOfKey("/commissaire/hosts/10.0.0.1"), {
    modelName: "Host",
    id: "10.0.0.1",
  });
  assert.deepEqual(recordOfKey("/commissaire/container_managers/k"), {
    modelName: "ContainerManagerConfig",
    id: "k",
  });
  assert.deepEqual(recordOfKey("/commissaire/cluster/c1/restart"), {
    modelName: "ClusterRestart",
    id: "c1",
  });
  assert.deepEqual(recordOfKey("/commissaire/cluster/c1/deploy"), {
    modelName: "ClusterDeploy",
    id: "c1",
  });
  for (const key of [
    "/commissaire/hosts/",
    "/commissaire/hosts/a/b",
    "/commissaire/hosts",
    "/commissaire/leases/x",
    "/commissaire/cluster/c1/other",
    "/commissaire/cluster//upgrade",
    "/commissaire/cluster/a/b/upgrade",
    "/other/hosts/10.0.0.1",
    "/commissaireX/hosts/1",
  ])
    assert.equal(recordOfKey(key), null, key);
});
