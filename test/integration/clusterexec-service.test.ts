/**
 * The clusterexec service against real sshd test hosts: rolling batches, failure limits,
 * verified reboots (a host that never returns, a reboot that did nothing), one operation per
 * cluster, and the operator's abort.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Bus } from "../../src/bus/bus.js";
import { RemoteProcedureCallError } from "../../src/bus/errors.js";
import {
  Cluster,
  ClusterRestart,
  ClusterUpgrade,
  Host,
  HostCreds,
  type ModelType,
} from "../../src/models/index.js";
import type { HostResult, OperationRecord } from "../../src/services/clusterexec/records.js";
import { ClusterExecService } from "../../src/services/clusterexec/service.js";
import { memoryBus, startTestService, type TestService, waitFor } from "../../src/testing/index.js";
import { TestHosts } from "../hosts/harness.js";
import type { TestHost } from "../hosts/test-host.js";

let hosts: TestHosts;
let t: TestService<ClusterExecService>;
const NEVER_BACK = 5;

before(async () => {
  hosts = await TestHosts.start([
    { os: "fedora" },
    { os: "fedora" },
    { os: "centos" },
    { os: "fedora" },
    { os: "atomic" },
    { os: "fedora", rebootDownMs: 8000 },
  ]);
  t = await startTestService((bus) => build(bus), { storage: true });
  for (const h of hosts.hosts) {
    await t.storage.save(Host, { address: h.address, status: "active" });
    await t.storage.save(HostCreds, hosts.creds(h));
  }
});
after(async () => {
  await t?.close();
  await hosts?.destroy();
});

function build(bus: Bus): ClusterExecService {
  const byAddress = new Map(hosts.hosts.map((h) => [h.address, h]));
  return new ClusterExecService({
    bus,
    config: {
      reboot_timeout: 4,
      stability_wait: 0.2,
      probe_interval: 0.1,
      lease_ttl_seconds: 1.5,
      control_poll_ms: 50,
    },
    // An SSH handshake takes over a second when a loaded 2-core machine restarts several hosts.
    connector: hosts.pool({ connectTimeoutMs: 3000 }),
    targetFor: (creds) => hosts.target(byAddress.get(creds.address)!),
  });
}

async function cluster(name: string, members: TestHost[]): Promise<void> {
  await t.storage.save(Cluster, { name, hostset: members.map((h) => h.address) });
}

async function ended(type: ModelType, name: string): Promise<OperationRecord> {
  return waitFor(
    async () => {
      const r = (await t.storage.get(type, { name })) as OperationRecord;
      return r.status === "in_process" ? null : r;
    },
    { timeoutMs: 40_000, intervalMs: 50, what: `the operation on ${name} to end` },
  );
}

const count = (h: TestHost, call: string) => h.calls().filter((c) => c === call).length;
const phase = (r: OperationRecord, h: TestHost) => (r.hosts[h.address] as HostResult).phase;
const five = () => hosts.hosts.slice(0, 5);

test("upgrade of 5 hosts in batches [1, 2, 2]: each once, the atomic one rebooted and verified", async () => {
  await cluster("up5", five());
  const answer = (await t.client.request("jobs.clusterexec.upgrade", {
    cluster_name: "up5",
    batches: [1, 2, 2],
  })) as OperationRecord;
  assert.equal(answer.status, "in_process");
  const r = await ended(ClusterUpgrade, "up5");
  assert.equal(r.status, "finished", r.error);
  assert.deepEqual(
    [...(r.upgraded as string[])].sort(),
    five()
      .map((h) => h.address)
      .sort(),
  );
  assert.deepEqual(r.policy.batches, [1, 2, 2]);
  for (const h of five()) assert.equal(phase(r, h), "done");
  for (const h of five().slice(0, 4)) {
    const update = h.address === hosts.at(2).address ? "yum -y update" : "dnf -y update";
    assert.equal(count(h, update), 1, `${h.address} updated once`);
  }
  assert.equal(count(hosts.at(4), "rpm-ostree upgrade"), 1);
  assert.equal(count(hosts.at(4), "systemctl reboot"), 1);
  // The first batch (one host) ended before any host of the second started.
  const first = (r.upgraded as string[])[0]!;
  const firstEnd = (r.hosts[first] as HostResult).finished_at!;
  for (const h of five().filter((x) => x.address !== first))
    assert.ok((r.hosts[h.address] as HostResult).started_at! >= firstEnd);
});

test("a failing host stops the operation with max_failures 0, not with 1", async () => {
  await cluster("fail", five().slice(0, 4));
  hosts.at(1).failCommand("dnf", 1);
  try {
    const before = hosts.hosts.map((h) => h.calls().length);
    await t.client.request("jobs.clusterexec.upgrade", ["fail", [1]]);
    const r = await ended(ClusterUpgrade, "fail");
    assert.equal(r.status, "failed");
    assert.equal(phase(r, hosts.at(1)), "failed");
    assert.match((r.hosts[hosts.at(1).address] as HostResult).error!, /dnf/);
    assert.equal(
      hosts.at(3).calls().length,
      before[3],
      "the host after the failure was not touched",
    );
    await t.client.request("jobs.clusterexec.upgrade", {
      cluster_name: "fail",
      batches: [1],
      max_failures: 1,
    });
    const r2 = await ended(ClusterUpgrade, "fail");
    assert.equal(r2.status, "finished");
    assert.equal((r2.upgraded as string[]).length, 3);
    assert.equal(phase(r2, hosts.at(1)), "failed");
  } finally {
    hosts.at(1).failCommand("dnf", null);
  }
});

test("a reboot that changes nothing, and a host that never comes back, fail with the reason", async () => {
  await cluster("noreboot", [hosts.at(0)]);
  hosts.at(0).failCommand("systemctl", 0);
  try {
    await t.client.request("jobs.clusterexec.restart", ["noreboot"]);
    const r = await ended(ClusterRestart, "noreboot");
    assert.equal(r.status, "failed");
    assert.match((r.hosts[hosts.at(0).address] as HostResult).error!, /same boot_id/);
  } finally {
    hosts.at(0).failCommand("systemctl", null);
  }
  await cluster("gone", [hosts.at(NEVER_BACK)]);
  await t.client.request("jobs.clusterexec.restart", ["gone"]);
  const r = await ended(ClusterRestart, "gone");
  assert.equal(r.status, "failed");
  assert.match(
    (r.hosts[hosts.at(NEVER_BACK).address] as HostResult).error!,
    /did not come back from its reboot within 4 s/,
  );
});

test("a second operation on a running cluster is refused with 409; abort ends it failed", async () => {
  await cluster("busy", five());
  await t.client.request("jobs.clusterexec.restart", { cluster_name: "busy", batches: [1] });
  await assert.rejects(
    t.client.request("jobs.clusterexec.upgrade", ["busy"]),
    (err: unknown) => err instanceof RemoteProcedureCallError && err.code === 409,
  );
  await t.client.request("jobs.clusterexec.abort", ["busy"]);
  const r = await ended(ClusterRestart, "busy");
  assert.equal(r.status, "failed");
  assert.equal(r.aborted, true);
  assert.ok((r.restarted as string[]).length < 5, "not every host was restarted");
  // At once, the lease is free again: a new operation starts (one host is enough to show it).
  await cluster("busy", [hosts.at(0)]);
  await t.client.request("jobs.clusterexec.restart", { cluster_name: "busy" });
  const again = await ended(ClusterRestart, "busy");
  assert.equal(again.status, "finished", `${again.error}: ${JSON.stringify(again.hosts)}`);
});

test("an operation left in_process by a dead process is resumed once, without redoing done hosts", async () => {
  const [done, rebooted, pending] = [hosts.at(0), hosts.at(1), hosts.at(3)];
  await cluster("orphan", [done, rebooted, pending]);
  const counts = () => [done, rebooted, pending].map((h) => count(h, "systemctl reboot"));
  const before = counts();
  // As a process killed while `rebooted` was down would have left it: its reboot asked (the
  // host now runs another boot than the recorded one), `done` finished, `pending` not started.
  await t.storage.save(ClusterRestart, {
    name: "orphan",
    status: "in_process",
    restarted: [done.address],
    in_process: [rebooted.address],
    started_at: "2026-01-01T00:00:00.000000",
    hosts: {
      [done.address]: { phase: "done" },
      [rebooted.address]: { phase: "rebooting", boot_before: "an-earlier-boot" },
    },
    policy: { batches: [1], max_failures: 0, mode: "lockstep" },
  });
  // A second process beside the first: both look for orphans, one takes it.
  const bus = memoryBus(t.broker);
  const second = build(bus);
  await second.start();
  try {
    const r = await ended(ClusterRestart, "orphan");
    assert.equal(r.status, "finished", r.error);
    assert.deepEqual(
      [...(r.restarted as string[])].sort(),
      [done.address, rebooted.address, pending.address].sort(),
    );
    const after = counts();
    assert.deepEqual(
      after.map((n, i) => n - before[i]!),
      [0, 0, 1],
      "only the host not started yet was rebooted, and once",
    );
  } finally {
    await second.stop(5000);
    await bus.close();
  }
});

test("pause holds new hosts back until resume; the operation then finishes", async () => {
  const members = [hosts.at(0), hosts.at(1), hosts.at(3)];
  await cluster("paused", members);
  await t.client.request("jobs.clusterexec.restart", { cluster_name: "paused", batches: [1] });
  const paused = (await t.client.request("jobs.clusterexec.pause", ["paused"])) as OperationRecord;
  assert.equal(paused.control, "pause");
  // The runner holds between hosts (the one running when the pause came, if any, ended).
  await waitFor(() => t.service.isPaused("paused"), { timeoutMs: 20_000, what: "the pause" });
  const held = (await t.storage.get(ClusterRestart, { name: "paused" })) as OperationRecord;
  assert.equal(held.paused, true, "the record says it waits on the pause");
  assert.equal(held.status, "in_process");
  assert.equal(held.in_process.length, 0);
  assert.ok(members.filter((h) => phase(held, h) !== "waiting").length <= 1);
  await t.client.request("jobs.clusterexec.resume", { cluster_name: "paused" });
  const r = await ended(ClusterRestart, "paused");
  assert.equal(r.status, "finished", r.error);
  assert.equal(r.paused, false);
  assert.equal((r.restarted as string[]).length, 3);
});

test("an abort reaches a host in its turn before its reboot: not rebooted, and its result says so", async () => {
  const host = hosts.at(2);
  await cluster("midturn", [host]);
  const reboots = count(host, "systemctl reboot");
  // Every chunk delayed: connecting and the facts take seconds, the abort a few milliseconds.
  host.setSlow(100);
  try {
    await t.client.request("jobs.clusterexec.restart", ["midturn"]);
    await waitFor(
      async () => {
        const r = (await t.storage.get(ClusterRestart, { name: "midturn" })) as OperationRecord;
        return r.hosts[host.address] && phase(r, host) !== "waiting";
      },
      { timeoutMs: 10_000, what: "the host's turn to begin" },
    );
    await t.client.request("jobs.clusterexec.abort", ["midturn"]);
    const r = await ended(ClusterRestart, "midturn");
    assert.equal(r.status, "failed");
    assert.equal(r.aborted, true);
    assert.equal(phase(r, host), "aborted");
    assert.match(
      (r.hosts[host.address] as HostResult).error!,
      /aborted by the operator before anything was changed/,
    );
    assert.equal(count(host, "systemctl reboot"), reboots, "no reboot was sent");
  } finally {
    host.setSlow(0);
  }
});
