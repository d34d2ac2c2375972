import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Cluster,
  ClusterDeploy,
  Clusters,
  ClusterUpgrade,
  ContainerManagerConfig,
  clusterHostCounts,
  clusterStatus,
  formatDate,
  getModelType,
  Host,
  HostCreds,
  Hosts,
  isDate,
  ModelValidationError,
  modelTypes,
  Network,
  WatcherRecord,
} from "../../src/models/index.js";

test("defaults of every model", () => {
  assert.deepEqual(Host.create({ address: "a" }), {
    address: "a",
    status: "",
    os: "",
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
  assert.deepEqual(HostCreds.create({ address: "a" }), {
    address: "a",
    ssh_priv_key: "",
    remote_user: "root",
    ssh_host_key: "",
  });
  assert.deepEqual(Cluster.create({ name: "c" }), {
    name: "c",
    status: "",
    network: "default",
    hostset: [],
    container_manager: "",
  });
  assert.deepEqual(ClusterUpgrade.create({ name: "c" }), {
    name: "c",
    status: "",
    upgraded: [],
    in_process: [],
    started_at: "",
    finished_at: "",
    hosts: {},
    skipped: [],
    policy: {},
    control: "",
    aborted: false,
    paused: false,
    error: "",
  });
  assert.deepEqual(ClusterDeploy.defaults(), {
    status: "",
    version: "",
    deployed: [],
    in_process: [],
    started_at: "",
    finished_at: "",
    hosts: {},
    skipped: [],
    policy: {},
    control: "",
    aborted: false,
    paused: false,
    error: "",
  });
  assert.deepEqual(Network.create({ name: "n" }), {
    name: "n",
    type: "flannel_etcd",
    options: {},
  });
  assert.deepEqual(ContainerManagerConfig.create({ name: "m" }), {
    name: "m",
    type: "openshift",
    options: {},
  });
  assert.deepEqual(Hosts.defaults(), { hosts: [] });
  assert.ok(isDate(WatcherRecord.defaults().last_check));
  const a = Cluster.defaults();
  a.hostset.push("x");
  assert.deepEqual(Cluster.defaults().hostset, [], "defaults are fresh each time");
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
    () => Host.parse({ address: "", cpus: "4", status: "sleeping", color: "red" }),
    (e: any) => {
      assert.ok(e instanceof ModelValidationError);
      assert.equal(e.code, -32602);
      assert.deepEqual(
        e.issues.map((i: any) => i.member),
        ["address", "status", "cpus", "color"],
      );
      assert.match(e.message, /Host\.address: expected address matching .*, got ""/);
      assert.match(e.message, /Host\.cpus: expected integer, got "4"/);
      assert.match(
        e.message,
        /Host\.status: expected one of investigating, bootstrapping, active, disassociated, failed or empty, got "sleeping"/,
      );
      assert.match(e.message, /Host\.color: expected no such member/);
      return true;
    },
  );
  assert.throws(() => Host.parse({}), /Host\.address: expected address matching .*, got nothing/);
  assert.throws(() => Host.parse([1]), /Host\.\(model\): expected object, got \[1\]/);
  assert.throws(
    () => Host.parse({ address: "a", memory: 1.5 }),
    /memory: expected integer, got 1\.5/,
  );
  const long = "x".repeat(500);
  const message = (() => {
    try {
      Host.parse({ address: "a", cpus: long });
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  })();
  assert.ok(message.length < 200, "long values are shortened");
});

test("enumerations and rules", () => {
  assert.throws(
    () => Network.parse({ name: "n", type: "calico" }),
    /expected one of flannel_etcd, flannel_server, got "calico"/,
  );
  assert.throws(
    () => ContainerManagerConfig.parse({ name: "m", type: "swarm" }),
    /openshift, kubernetes, trivial/,
  );
  assert.throws(
    () => Cluster.parse({ name: "c", status: "fine" }),
    /ok, degraded, failed or empty/,
  );
  assert.throws(
    () => Cluster.parse({ name: "c", hostset: ["a", 1] }),
    /hostset: expected list of addresses/,
  );
  assert.throws(
    () => ClusterUpgrade.parse({ name: "" }),
    /ClusterUpgrade\.name: expected name matching/,
  );
  assert.throws(
    () => ClusterUpgrade.parse({ name: "c", status: "running" }),
    /in_process, finished, failed or empty/,
  );
  assert.throws(
    () => ClusterDeploy.parse({ name: "c" }),
    /ClusterDeploy\.version: expected non-empty string/,
  );
  assert.equal(ClusterDeploy.parse({ name: "c", version: "7" }).version, "7");
  assert.throws(
    () => ClusterUpgrade.parse({ name: "c", started_at: "yesterday" }),
    /started_at: expected date YYYY-MM-DDTHH:MM:SS\.ffffff or empty/,
  );
  assert.throws(
    () => WatcherRecord.parse({ address: "a", last_check: "2026-01-01 00:00:00" }),
    /last_check: expected date/,
  );
  assert.equal(
    WatcherRecord.parse({ address: "a", last_check: "2026-01-01T00:00:00.000001" }).address,
    "a",
  );
});

test("list models: items validated with their index; the JSON form is the bare array", () => {
  assert.throws(
    () => Hosts.parse({ hosts: [{ address: "a" }, { address: "b", cpus: "x" }] }),
    /Hosts\.hosts\[1\]\.cpus: expected integer/,
  );
  const hosts = Hosts.parse({ hosts: [{ address: "a" }] });
  assert.equal(hosts.hosts[0]!.status, "");
  assert.deepEqual(Hosts.list, { member: "hosts", itemType: "Host" });
  const clusters = Clusters.fromItems([{ name: "c", hostset: ["h"] }]);
  assert.deepEqual(Clusters.itemsJson(clusters), [
    { name: "c", status: "", network: "default", hostset: ["h"], container_manager: "" },
  ]);
  assert.deepEqual(Clusters.toSafeJson(clusters), {
    clusters: [{ name: "c", status: "", network: "default", container_manager: "" }],
  });
  assert.throws(() => Clusters.fromItems([{ name: 1 }]), /Clusters\.clusters\[0\]\.name/);
});

test("safe form drops hidden members; secrets never appear in messages", () => {
  const creds = HostCreds.parse({ address: "a", ssh_priv_key: "S0VZ" });
  assert.deepEqual(HostCreds.toSafeJson(creds), {
    address: "a",
    remote_user: "root",
    ssh_host_key: "",
  });
  assert.deepEqual(HostCreds.toJson(creds), {
    address: "a",
    ssh_priv_key: "S0VZ",
    remote_user: "root",
    ssh_host_key: "",
  });
  assert.equal(HostCreds.secret, true);
  assert.equal(Host.secret, false);
  assert.throws(
    () => HostCreds.parse({ address: "a", ssh_priv_key: { pem: "TOP-SECRET" } }),
    (e: any) =>
      !e.message.includes("TOP-SECRET") &&
      /ssh_priv_key: expected string, got <hidden>/.test(e.message),
  );
  const cluster = Cluster.parse({ name: "c", hostset: ["h1"] });
  assert.deepEqual(Object.keys(Cluster.toSafeJson(cluster)), [
    "name",
    "status",
    "network",
    "container_manager",
  ]);
});

test("Cluster: computed hosts counts are dropped, status follows the hosts", () => {
  const parsed = Cluster.parse({
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
  assert.equal(clusterStatus([]), "ok");
});

test("keys and dates", () => {
  assert.equal(Host.keyOf(Host.create({ address: "192.0.2.1" })), "192.0.2.1");
  assert.equal(Cluster.keyOf(Cluster.create({ name: "c" })), "c");
  assert.throws(() => WatcherRecord.keyOf(WatcherRecord.defaults()), /no primary key/);
  assert.equal(
    formatDate(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))),
    "2026-01-02T03:04:05.678000",
  );
  assert.ok(isDate("2026-01-02T03:04:05.678901"));
  assert.ok(!isDate("2026-01-02T03:04:05.678Z"));
  assert.ok(!isDate("2026-13-45T03:04:05.678901"));
});
