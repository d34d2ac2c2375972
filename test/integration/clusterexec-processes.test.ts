/**
 * Cluster execution as operators run it: `commissaire-clusterexec-service` and the storage
 * service as processes on a real Redis, real sshd test hosts. A clusterexec process SIGKILLed in
 * the middle of a rolling restart is replaced by another, which finishes the operation: every
 * host rebooted exactly once (counted in the hosts' own logs), none of the done ones again.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Bus } from "../../src/bus/bus.js";
import { Cluster, ClusterRestart, Host, HostCreds } from "../../src/models/index.js";
import type { HostResult, OperationRecord } from "../../src/services/clusterexec/records.js";
import { StorageClient } from "../../src/storage/client.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running } from "../helpers/cli.js";
import { RedisServer } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";

const CLUSTEREXEC = fileURLToPath(new URL("../../src/cli/clusterexec-service.js", import.meta.url));
let redis: RedisServer;
let hosts: TestHosts;
let dir: string;
let storageProcess: Running;
let bus: Bus;
let storage: StorageClient;
let conf: string;
const processes: Running[] = [];

function startClusterExec(): Running {
  const p = Running.start(CLUSTEREXEC, ["-c", conf]);
  processes.push(p);
  return p;
}

before(async () => {
  [redis, hosts] = await Promise.all([
    RedisServer.start(),
    TestHosts.start(Array.from({ length: 4 }, () => ({ proxy: false, rebootDownMs: 1500 }))),
  ]);
  dir = mkdtempSync(join(tmpdir(), "commissaire-clusterexec-processes-"));
  const write = (name: string, value: object) => {
    writeFileSync(join(dir, name), JSON.stringify({ bus_uri: redis.url(), ...value }));
    return join(dir, name);
  };
  const storageConf = write("storage.conf", {
    storage_handlers: [
      { type: "memory", name: "models", models: ["*"] },
      { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
    ],
  });
  conf = write("clusterexec.conf", {
    lease_ttl_seconds: 1.5,
    reboot_timeout: 30,
    stability_wait: 0.2,
    probe_interval: 0.1,
    remote: { connect_timeout: 5 },
  });
  storageProcess = Running.start(BIN.storage, ["-c", storageConf]);
  await storageProcess.waitForLog("storage", (r) => r.msg === "service started");
  bus = await Bus.connect(redis.url());
  storage = new StorageClient(bus);
  for (const h of hosts.hosts) {
    await storage.save(Host, { address: h.address, status: "active" });
    await storage.save(HostCreds, hosts.creds(h));
  }
  await storage.save(Cluster, { name: "killed", hostset: hosts.hosts.map((h) => h.address) });
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await storageProcess?.stop();
  await bus?.close();
  await Promise.all([redis?.stop(), hosts?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const record = async () =>
  (await storage.get(ClusterRestart, { name: "killed" })) as OperationRecord;

test("a clusterexec process SIGKILLed mid-operation: another finishes it, each host rebooted once", async () => {
  const first = startClusterExec();
  await first.waitForLog("clusterexec", (r) => r.msg === "service started");
  await bus.request("jobs.clusterexec.restart", { cluster_name: "killed", batches: [1] });
  // Killed while the second host is in its turn: the first done, the others not started.
  await waitFor(
    async () => {
      const r = await record();
      return (r.restarted as string[]).length === 1 && r.in_process.length === 1;
    },
    { timeoutMs: 60_000, intervalMs: 20, what: "the second host's turn" },
  );
  await first.stop("SIGKILL");
  const left = await record();
  assert.equal(left.status, "in_process", "the killed process left its operation unfinished");

  const second = startClusterExec();
  const ended = await waitFor(
    async () => {
      const r = await record();
      return r.status === "in_process" ? null : r;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: "the operation to be finished by the second" },
  );
  assert.equal(ended.status, "finished", `${ended.error}: ${JSON.stringify(ended.hosts)}`);
  assert.deepEqual(
    [...(ended.restarted as string[])].sort(),
    hosts.hosts.map((h) => h.address).sort(),
  );
  for (const h of hosts.hosts) {
    assert.equal(
      h.calls().filter((c) => c === "systemctl reboot").length,
      1,
      `${h.address} rebooted exactly once (${(ended.hosts[h.address] as HostResult).detail})`,
    );
  }
  assert.ok(
    second.logs().some((l) => l.msg === "resuming an operation left unfinished"),
    "the second process took the operation over",
  );
});
