/**
 * The watcher on a memory bus with FakeRemote: failures and recoveries, deletion, reboots, host
 * leases, the mass-failure freeze, WatcherRecords, and two processes sharing the hosts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEnvelope, TEXT_CONTENT_TYPE } from "../../src/bus/envelope.js";
import { Host, HostCreds } from "../../src/models/host.js";
import { WatcherService } from "../../src/services/watcher/service.js";
import type { StorageClient } from "../../src/storage/client.js";
import { hostLeaseName } from "../../src/storage/host-lease.js";
import { FakeRemote, memoryBus, startTestService, waitFor } from "../../src/testing/index.js";

// Few shards: their renewals cost little CPU at so short an interval (watcher-shards tests 64).
const CONFIG = { interval: 0.5, check_timeout: 0.2, shards: 8 };

async function addHost(storage: StorageClient, address: string, status = "active"): Promise<void> {
  await storage.save(HostCreds, { address, ssh_priv_key: "", remote_user: "root" });
  await storage.save(Host, { address, status: status as Host["status"] });
}

async function start(remote: FakeRemote, config: Record<string, unknown> = CONFIG) {
  return startTestService((bus) => new WatcherService({ bus, config, remote }), { storage: true });
}

function bootCount(remote: FakeRemote, address: string): number {
  return remote.commands(address).length;
}

test("a failing host becomes failed after 3 checks and active again after 2 successes", async () => {
  const remote = new FakeRemote();
  const t = await start(remote);
  try {
    for (const a of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) await addHost(t.storage, a);
    await waitFor(() => bootCount(remote, "192.0.2.1") >= 1, { what: "first check" });
    remote.refuse("192.0.2.1", "unreachable");
    const seen: boolean[] = [];
    t.service.onCheck = (address, ok) => {
      if (address === "192.0.2.1") seen.push(ok);
    };
    const { model: failed } = await t.notifications.waitFor(
      Host,
      "updated",
      (h) => h.address === "192.0.2.1" && h.status === "failed",
    );
    assert.equal(failed.watcher_demoted_from, "active");
    assert.equal(seen.filter((ok) => !ok).length, 3);
    remote.allow("192.0.2.1");
    seen.length = 0;
    await waitFor(async () => (await t.storage.getHost("192.0.2.1")).status === "active", {
      what: "recovery",
    });
    assert.deepEqual(seen, [true, true]);
    const stored = await t.storage.getHost("192.0.2.1");
    assert.equal(stored.watcher_demoted_from, "");
    assert.notEqual(stored.last_check, "");
  } finally {
    await t.close();
  }
});

test("a host failed by someone else is never promoted", async () => {
  const remote = new FakeRemote();
  const t = await start(remote);
  try {
    await addHost(t.storage, "192.0.2.9", "failed");
    await waitFor(() => bootCount(remote, "192.0.2.9") >= 4, { what: "four checks" });
    assert.equal((await t.storage.getHost("192.0.2.9")).status, "failed");
  } finally {
    await t.close();
  }
});

test("a deleted host stops being checked; an investigating host is never checked", async () => {
  const remote = new FakeRemote();
  const t = await start(remote);
  try {
    await addHost(t.storage, "192.0.2.4");
    await addHost(t.storage, "192.0.2.5", "investigating");
    await waitFor(() => bootCount(remote, "192.0.2.4") >= 1, { what: "first check" });
    await t.storage.delete(Host, { address: "192.0.2.4" });
    await waitFor(() => !t.service.schedule.has("192.0.2.4"), { what: "host dropped" });
    const count = bootCount(remote, "192.0.2.4");
    let later = 0;
    t.service.onCheck = () => {
      later += 1;
    };
    await addHost(t.storage, "192.0.2.6");
    await waitFor(() => later >= 3, { what: "three more checks of another host" });
    assert.equal(bootCount(remote, "192.0.2.4"), count);
    assert.equal(bootCount(remote, "192.0.2.5"), 0);
  } finally {
    await t.close();
  }
});

test("a changed boot_id is recorded as a reboot", async () => {
  let bootId = "aaaa";
  const remote = new FakeRemote().on("boot_id", () => ({ stdout: `${bootId}\n` }));
  const t = await start(remote);
  try {
    await addHost(t.storage, "192.0.2.7");
    await t.notifications.waitFor(Host, "updated", (h) => h.last_boot_id === "aaaa");
    bootId = "bbbb";
    const { model: h } = await t.notifications.waitFor(
      Host,
      "updated",
      (x) => x.last_boot_id === "bbbb",
    );
    assert.equal(h.reboots, 1);
  } finally {
    await t.close();
  }
});

test("a host under another service's lease is not marked failed", async () => {
  const remote = new FakeRemote();
  const t = await start(remote);
  try {
    for (const a of ["192.0.2.11", "192.0.2.12", "192.0.2.13"]) await addHost(t.storage, a);
    await t.storage.acquireLease(hostLeaseName("192.0.2.11"), "clusterexec-reboot", 60);
    remote.refuse("192.0.2.11", "unreachable");
    let failures = 0;
    t.service.onCheck = (address, ok) => {
      if (address === "192.0.2.11" && !ok) failures += 1;
    };
    await waitFor(() => failures >= 5, { what: "five failed checks" });
    assert.equal((await t.storage.getHost("192.0.2.11")).status, "active");
    await t.storage.releaseLease(hostLeaseName("192.0.2.11"), "clusterexec-reboot");
    await t.notifications.waitFor(
      Host,
      "updated",
      (h) => h.address === "192.0.2.11" && h.status === "failed",
    );
  } finally {
    await t.close();
  }
});

test("all hosts down at once freezes marking until checks answer again", async () => {
  const remote = new FakeRemote();
  const t = await start(remote);
  const addresses = ["192.0.2.21", "192.0.2.22", "192.0.2.23", "192.0.2.24"];
  try {
    for (const a of addresses) await addHost(t.storage, a);
    await waitFor(() => addresses.every((a) => bootCount(remote, a) >= 1), {
      what: "first checks",
    });
    for (const a of addresses) remote.refuse(a, "unreachable");
    let failures = 0;
    t.service.onCheck = (_a, ok) => {
      if (!ok) failures += 1;
    };
    await waitFor(() => t.service.frozen, { what: "frozen" });
    await waitFor(() => failures >= 6 * addresses.length, { what: "six rounds of failures" });
    for (const a of addresses) assert.equal((await t.storage.getHost(a)).status, "active");
    const status = await t.client.request<{ frozen: boolean }>("watcher.status", {});
    assert.equal(status.frozen, true);
    for (const a of addresses) remote.allow(a);
    await waitFor(() => !t.service.frozen, { what: "thawed" });
  } finally {
    await t.close();
  }
});

test("an interval with too few checks neither freezes nor thaws marking", async () => {
  const t = await start(new FakeRemote());
  try {
    const interval = t.service.settings.intervalMs;
    const later = Date.now() + 10 * interval;
    t.service.tick(later);
    t.service.frozen = true;
    t.service.tick(later + interval); // an interval without a check closes
    assert.equal(t.service.frozen, true);
  } finally {
    await t.close();
  }
});

test("a WatcherRecord sent the original's way is taken and never answered", async () => {
  const remote = new FakeRemote();
  const t = await start(remote, { interval: 600 });
  try {
    await t.storage.save(HostCreds, {
      address: "192.0.2.31",
      ssh_priv_key: "",
      remote_user: "root",
    });
    await t.storage.save(Host, { address: "192.0.2.31", status: "active" });
    t.service.drop("192.0.2.31"); // as if the notification had been missed
    const replies: string[] = [];
    const reply = t.service.bus.reply.bind(t.service.bus);
    t.service.bus.reply = (queue, text) => {
      replies.push(queue);
      return reply(queue, text);
    };
    const payload = JSON.stringify({ address: "192.0.2.31", last_check: "" });
    const envelope = makeEnvelope({
      payload,
      exchange: t.client.exchange,
      routingKey: "jobs.watcher",
      contentType: TEXT_CONTENT_TYPE,
      replyTo: "nobody-waits",
    });
    await t.client.transport.publish(t.client.exchange, "jobs.watcher", envelope);
    await waitFor(() => t.service.schedule.has("192.0.2.31"), { what: "host watched" });
    await waitFor(() => t.service.shards.owns("192.0.2.31"), { what: "its shard held" });
    const status = await t.client.request<{ hosts_watched: number }>("watcher.status", {});
    assert.equal(status.hosts_watched, 1);
    assert.equal(replies.length, 1); // the status request's answer only
    assert.ok(!replies.includes("nobody-waits"));
  } finally {
    await t.close();
  }
});

test("two processes split the hosts by shard leases; when one dies the other checks them all, none twice", async () => {
  const remote = new FakeRemote();
  const config = { interval: 0.4, check_timeout: 0.2, shards: 8 };
  const t = await startTestService(
    (bus) => new WatcherService({ bus, config, remote, processId: "a" }),
    { storage: true },
  );
  const bus = memoryBus(t.broker);
  const b = new WatcherService({ bus, config, remote, processId: "b" });
  await b.start();
  const addresses = Array.from({ length: 20 }, (_, i) => `192.0.2.${100 + i}`);
  const checks = new Map<string, number[]>();
  const count = (address: string) => {
    const now = Date.now();
    checks.set(address, [...(checks.get(address) ?? []), now]);
  };
  try {
    t.service.onCheck = count;
    b.onCheck = count;
    for (const a of addresses) await addHost(t.storage, a);
    const half = t.service.settings.shards / 2;
    await waitFor(() => t.service.shards.count === half && b.shards.count === half, {
      what: "the shards split in two",
    });
    const mark = Date.now();
    await waitFor(
      () => addresses.every((a) => (checks.get(a) ?? []).filter((x) => x > mark).length >= 3),
      { timeoutMs: 8000, what: "three rounds" },
    );
    for (const a of addresses) {
      const times = (checks.get(a) ?? []).filter((x) => x > mark);
      for (let i = 1; i < times.length; i++)
        assert.ok(times[i]! - times[i - 1]! > 200, `${a} checked twice in one interval`);
    }
    assert.ok(
      addresses.some((a) => b.shards.owns(a)),
      "b checks some hosts",
    );
    const holders = new Set((await t.storage.listLeases("watcher-shard:")).map((l) => l.holder));
    assert.deepEqual([...holders].sort(), ["a", "b"]);
    // b dies without a word (its bus gone, nothing released): a takes its shards once they expire.
    await bus.close();
    await b.stop(0);
    b.onCheck = undefined;
    const after = Date.now();
    await waitFor(
      () => addresses.every((a) => (checks.get(a) ?? []).some((x) => x > after + 1200)),
      { timeoutMs: 8000, what: "every host checked by a" },
    );
    assert.equal(t.service.shards.count, t.service.settings.shards);
  } finally {
    await b.stop(0);
    await bus.close();
    await t.close();
  }
});

test("stop gives the shard leases back at once and leaves a remote it was handed open", async () => {
  const remote = new FakeRemote();
  let closed = 0;
  remote.close = async () => {
    closed += 1;
  };
  // Leases that would outlive the test: only a release frees them.
  const config = { ...CONFIG, shard_ttl: 60 };
  const t = await start(remote, config);
  const bus = memoryBus(t.broker);
  const own = new WatcherService({ bus, config, processId: "own-pool" });
  let ownClosed = 0;
  own.remote.close = async () => {
    ownClosed += 1;
  };
  try {
    await own.start();
    await waitFor(async () => (await t.storage.listLeases("watcher-shard:")).length > 0, {
      what: "shard leases",
    });
    await t.service.stop(1000);
    await own.stop(1000);
    assert.equal(closed, 0, "the remote handed in was closed by the watcher");
    assert.equal(ownClosed, 1, "the pool the watcher made was not closed");
    assert.deepEqual(await t.storage.listLeases("watcher-"), []);
  } finally {
    await own.stop(0);
    await bus.close();
    await t.close();
  }
});
