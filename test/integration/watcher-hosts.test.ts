/**
 * The watcher against real sshd test hosts, interval 2 s: an unreachable host becomes failed after
 * 3 checks and active after 2 successes; a reboot is noticed; a deleted host is not checked.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Host, HostCreds } from "../../src/models/host.js";
import { WatcherService } from "../../src/services/watcher/service.js";
import { startTestService, type TestService, waitFor } from "../../src/testing/index.js";
import { TestHosts } from "../hosts/harness.js";

let hosts: TestHosts;
let t: TestService<WatcherService>;
const checks: { address: string; ok: boolean }[] = [];

before(async () => {
  hosts = await TestHosts.start([{}, {}, { rebootDownMs: 300 }, {}]);
  const remote = hosts.pool({ connectTimeoutMs: 1000 });
  const config = { interval: 2, check_timeout: 1 };
  t = await startTestService((bus) => new WatcherService({ bus, config, remote }), {
    storage: true,
  });
  t.service.onCheck = (address, ok) => checks.push({ address, ok });
  for (const host of hosts.hosts) {
    await t.storage.save(HostCreds, hosts.creds(host));
    await t.storage.save(Host, { address: host.address, status: "active" });
  }
});
after(async () => {
  await t?.close();
  await hosts?.destroy();
});

const checksOf = (address: string) => checks.filter((c) => c.address === address);

test("an unreachable host is failed after 3 checks and active again after 2 successes", async () => {
  const host = hosts.at(0);
  await waitFor(() => checksOf(host.address).some((c) => c.ok), {
    timeoutMs: 6000,
    what: "a check",
  });
  await host.setReachability("refuse");
  const from = checksOf(host.address).length;
  await waitFor(async () => (await t.storage.getHost(host.address)).status === "failed", {
    timeoutMs: 12_000,
    intervalMs: 100,
    what: "failed",
  });
  assert.deepEqual(
    checksOf(host.address)
      .slice(from)
      .map((c) => c.ok),
    [false, false, false],
  );
  await host.setReachability("pass");
  const back = checksOf(host.address).length;
  await waitFor(async () => (await t.storage.getHost(host.address)).status === "active", {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: "active again",
  });
  assert.deepEqual(
    checksOf(host.address)
      .slice(back)
      .map((c) => c.ok),
    [true, true],
  );
});

test("a test host's reboot is noticed", async () => {
  const host = hosts.at(2);
  await waitFor(
    async () => (await t.storage.getHost(host.address)).last_boot_id === host.bootId(),
    {
      timeoutMs: 6000,
      intervalMs: 100,
      what: "first boot_id",
    },
  );
  await host.reboot();
  const stored = await waitFor(
    async () => {
      const h = await t.storage.getHost(host.address);
      return h.reboots === 1 ? h : null;
    },
    // Checks every 2 s with a 1 s deadline: on a loaded machine some miss it, hence the room.
    { timeoutMs: 20_000, intervalMs: 100, what: "the reboot recorded" },
  );
  assert.equal(stored.last_boot_id, host.bootId());
  assert.equal(stored.status, "active");
});

test("a host deleted in storage stops being checked", async () => {
  const host = hosts.at(3);
  await waitFor(() => checksOf(host.address).length >= 1, { timeoutMs: 6000, what: "a check" });
  await t.storage.delete(Host, { address: host.address });
  await waitFor(() => !t.service.schedule.has(host.address), { what: "dropped" });
  const count = checksOf(host.address).length;
  const other = checksOf(hosts.at(1).address).length;
  await waitFor(() => checksOf(hosts.at(1).address).length >= other + 2, {
    timeoutMs: 8000,
    what: "two more rounds",
  });
  assert.equal(checksOf(host.address).length, count);
});
