import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ClusterDeployModel,
  ClusterModel,
  ClustersModel,
  ClusterUpgradeModel,
  ContainerManagerConfigModel,
  clusterHostCounts,
  clusterStatus,
  formatDate,
  getModelType,
  HostCredsModel,
  HostModel,
  HostsModel,
  isDate,
  ModelValidationError,
  modelTypes,
  NetworkModel,
  WatcherRecordModel,
} from "../../src/models/index.js";

test("defaults of every model", () => {
  assert.deepEqual(HostModel.create({ address: "a" }), {
    address: "a",
    status: "",
    os: "",
    cpus: 0,
    memory: 0,
    space: 0,
    last_check: "",
    source: "",
  });
  assert.deepEqual(HostCredsModel.create({ address: "a" }), {
    address: "a",
    ssh_priv_key: "",
    remote_user: "root",
    ssh_host_key: "",
  });
  assert.deepEqual(ClusterModel.create({ name: "c" }), {
    name: "c",
    status: "",
    network: "default",
    hostset: [],
    container_manager: "",
  });
  assert.deepEqual(ClusterUpgradeModel.create({ name: "c" }), {
    name: "c",
    status: "",
    upgraded: [],
    in_process: [],
    started_at: "",
    finished_at: "",
  });
  assert.deepEqual(ClusterDeployModel.defaults(), {
    status: "",
    version: "",
    deployed: [],
    in_process: [],
    started_at: "",
    finished_at: "",
  });
  assert.deepEqual(NetworkModel.create({ name: "n" }), {
    name: "n",
    type: "flannel_etcd",
    options: {},
  });
  assert.deepEqual(ContainerManagerConfigModel.create({ name: "m" }), {
    name: "m",
    type: "openshift",
    options: {},
  });
  assert.deepEqual(HostsModel.defaults(), { hosts: [] });
  assert.ok(isDate(WatcherRecordModel.defaults().last_check));
  const a = ClusterModel.defaults();
  a.hostset.push("x");
  assert.deepEqual(ClusterModel.defaults().hostset, [], "defaults are fresh each time");
  for (const name of [
    "Host",
    "HostCreds",
    "Hosts",
    "HostStatus",
    "Cluster",
    "Clusters",
    "ClusterUpgrade",
    "ClusterRestart",
    "ClusterDeploy",
    "Network",
    "Networks",
    "ContainerManagerConfig",
    "ContainerManagerConfigs",
    "WatcherRecord",
  ]) {
    assert.equal(getModelType(name).name, name);
  }
  assert.equal(modelTypes.size, 14);
  assert.throws(
    () => getModelType("Spaceship"),
    (e: any) => e.code === -32602 && /unknown model type "Spaceship"/.test(e.message),
  );
});

test("every problem is reported at once: model, member, expected, got", () => {
  assert.throws(
    () => HostModel.parse({ address: "", cpus: "4", status: "sleeping", color: "red" }),
    (e: any) => {
      assert.ok(e instanceof ModelValidationError);
      assert.equal(e.code, -32602);
      assert.deepEqual(
        e.issues.map((i: any) => i.member),
        ["address", "status", "cpus", "color"],
      );
      assert.match(e.message, /Host\.address: expected non-empty string, got ""/);
      assert.match(e.message, /Host\.cpus: expected integer, got "4"/);
      assert.match(
        e.message,
        /Host\.status: expected one of investigating, bootstrapping, active, disassociated, failed or empty, got "sleeping"/,
      );
      assert.match(e.message, /Host\.color: expected no such member/);
      return true;
    },
  );
  assert.throws(() => HostModel.parse({}), /Host\.address: expected non-empty string, got nothing/);
  assert.throws(() => HostModel.parse([1]), /Host\.\(model\): expected object, got \[1\]/);
  assert.throws(
    () => HostModel.parse({ address: "a", memory: 1.5 }),
    /memory: expected integer, got 1\.5/,
  );
  const long = "x".repeat(500);
  const message = (() => {
    try {
      HostModel.parse({ address: "a", cpus: long });
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  })();
  assert.ok(message.length < 200, "long values are shortened");
});

test("enumerations and rules", () => {
  assert.throws(
    () => NetworkModel.parse({ name: "n", type: "calico" }),
    /expected one of flannel_etcd, flannel_server, got "calico"/,
  );
  assert.throws(
    () => ContainerManagerConfigModel.parse({ name: "m", type: "swarm" }),
    /openshift, kubernetes, trivial/,
  );
  assert.throws(
    () => ClusterModel.parse({ name: "c", status: "fine" }),
    /ok, degraded, failed or empty/,
  );
  assert.throws(
    () => ClusterModel.parse({ name: "c", hostset: ["a", 1] }),
    /hostset: expected list of strings/,
  );
  assert.throws(
    () => ClusterUpgradeModel.parse({ name: "" }),
    /ClusterUpgrade\.name: expected non-empty string/,
  );
  assert.throws(
    () => ClusterUpgradeModel.parse({ name: "c", status: "running" }),
    /in_process, finished, failed or empty/,
  );
  assert.throws(
    () => ClusterDeployModel.parse({ name: "c" }),
    /ClusterDeploy\.version: expected non-empty string/,
  );
  assert.equal(ClusterDeployModel.parse({ name: "c", version: "7" }).version, "7");
  assert.throws(
    () => ClusterUpgradeModel.parse({ name: "c", started_at: "yesterday" }),
    /started_at: expected date YYYY-MM-DDTHH:MM:SS\.ffffff or empty/,
  );
  assert.throws(
    () => WatcherRecordModel.parse({ address: "a", last_check: "2026-01-01 00:00:00" }),
    /last_check: expected date/,
  );
  assert.equal(
    WatcherRecordModel.parse({ address: "a", last_check: "2026-01-01T00:00:00.000001" }).address,
    "a",
  );
});

test("list models: items validated with their index; the JSON form is the bare array", () => {
  assert.throws(
    () => HostsModel.parse({ hosts: [{ address: "a" }, { address: "b", cpus: "x" }] }),
    /Hosts\.hosts\[1\]\.cpus: expected integer/,
  );
  const hosts = HostsModel.parse({ hosts: [{ address: "a" }] });
  assert.equal(hosts.hosts[0]!.status, "");
  assert.deepEqual(HostsModel.list, { member: "hosts", itemType: "Host" });
  const clusters = ClustersModel.fromItems([{ name: "c", hostset: ["h"] }]);
  assert.deepEqual(ClustersModel.itemsJson(clusters), [
    { name: "c", status: "", network: "default", hostset: ["h"], container_manager: "" },
  ]);
  assert.deepEqual(ClustersModel.toSafeJson(clusters), {
    clusters: [{ name: "c", status: "", network: "default", container_manager: "" }],
  });
  assert.throws(() => ClustersModel.fromItems([{ name: 1 }]), /Clusters\.clusters\[0\]\.name/);
});

test("safe form drops hidden members; secrets never appear in messages", () => {
  const creds = HostCredsModel.parse({ address: "a", ssh_priv_key: "S0VZ" });
  assert.deepEqual(HostCredsModel.toSafeJson(creds), {
    address: "a",
    remote_user: "root",
    ssh_host_key: "",
  });
  assert.deepEqual(HostCredsModel.toJson(creds), {
    address: "a",
    ssh_priv_key: "S0VZ",
    remote_user: "root",
    ssh_host_key: "",
  });
  assert.equal(HostCredsModel.secret, true);
  assert.equal(HostModel.secret, false);
  assert.throws(
    () => HostCredsModel.parse({ address: "a", ssh_priv_key: { pem: "TOP-SECRET" } }),
    (e: any) =>
      !e.message.includes("TOP-SECRET") &&
      /ssh_priv_key: expected string, got <hidden>/.test(e.message),
  );
  const cluster = ClusterModel.parse({ name: "c", hostset: ["h1"] });
  assert.deepEqual(Object.keys(ClusterModel.toSafeJson(cluster)), [
    "name",
    "status",
    "network",
    "container_manager",
  ]);
});

test("Cluster: computed hosts counts are dropped, status follows the hosts", () => {
  const parsed = ClusterModel.parse({
    name: "c",
    hosts: { total: 1, available: 1, unavailable: 0 },
  });
  assert.ok(!("hosts" in parsed));
  assert.deepEqual(clusterHostCounts(["active", "failed", "active"]), {
    total: 3,
    available: 2,
    unavailable: 1,
  });
  assert.equal(clusterStatus(["active", "active"]), "ok");
  assert.equal(clusterStatus(["active", "bootstrapping"]), "degraded");
  assert.equal(clusterStatus(["failed", "investigating"]), "failed");
  assert.equal(clusterStatus([]), "failed");
});

test("keys and dates", () => {
  assert.equal(HostModel.keyOf(HostModel.create({ address: "192.0.2.1" })), "192.0.2.1");
  assert.equal(ClusterModel.keyOf(ClusterModel.create({ name: "c" })), "c");
  assert.throws(() => WatcherRecordModel.keyOf(WatcherRecordModel.defaults()), /no primary key/);
  assert.equal(
    formatDate(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))),
    "2026-01-02T03:04:05.678000",
  );
  assert.ok(isDate("2026-01-02T03:04:05.678901"));
  assert.ok(!isDate("2026-01-02T03:04:05.678Z"));
  assert.ok(!isDate("2026-13-45T03:04:05.678901"));
});
