/**
 * The investigator's flow with a scripted remote: named, positional and notified calls, an
 * unknown OS, the flannel_server network, hosts left open by a dead investigator taken up at
 * start (and one still leased left alone), and no private key in any log line or notification.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Cluster, Host, HostCreds, Network } from "../../src/models/index.js";
import { InvestigatorService } from "../../src/services/investigator/service.js";
import type { StorageClient } from "../../src/storage/client.js";
import { hostLeaseName } from "../../src/storage/host-lease.js";
import { callHandler, FakeRemote, startTestService, waitFor } from "../../src/testing/index.js";
import { captureLogger } from "../helpers/capture-logger.js";

const KEY = Buffer.from("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material-7f3a\n").toString(
  "base64",
);

async function start(remote: FakeRemote, recoverSeconds = 3600) {
  const log = captureLogger();
  const t = await startTestService(
    (bus) =>
      new InvestigatorService({
        bus,
        remote,
        logger: log.logger,
        config: { recover_interval_seconds: recoverSeconds },
      }),
    { storage: true },
  );
  return { t, log };
}

async function addHost(
  storage: StorageClient,
  address: string,
  status: Host["status"] = "investigating",
) {
  // Credentials first: a host is never stored without them.
  await storage.save(HostCreds, { address, ssh_priv_key: KEY, remote_user: "root" });
  await storage.save(Host, { address, status });
}

test("named and positional calls both investigate; facts are stored", async () => {
  const remote = new FakeRemote().setFacts("192.0.2.1", { cpus: 3, memory: 999 });
  const { t } = await start(remote);
  try {
    await addHost(t.storage, "192.0.2.1");
    await addHost(t.storage, "192.0.2.2");
    const named = await callHandler(t.service, "investigate", {
      address: "192.0.2.1",
      cluster_data: {},
    });
    const positional = await callHandler(t.service, "investigate", ["192.0.2.2", {}]);
    assert.equal((named as Host).status, "disassociated");
    assert.equal((positional as Host).status, "disassociated");
    const host = await t.storage.getHost("192.0.2.1");
    assert.deepEqual([host.os, host.cpus, host.memory], ["fedora", 3, 999]);
    assert.equal(remote.openExecutors, 0, "every executor closed");
  } finally {
    await t.close();
  }
});

test("the host is bootstrapping with its facts before it is disassociated", async () => {
  const remote = new FakeRemote().setFacts("192.0.2.3", { cpus: 5 });
  const { t } = await start(remote);
  const recorder = t.notifications;
  try {
    await addHost(t.storage, "192.0.2.3");
    await callHandler(t.service, "investigate", { address: "192.0.2.3" });
    await recorder.waitFor(Host, "updated", (m) => m.status === "disassociated");
    const statuses = recorder.seen
      .filter((n) => n.class === "Host" && n.event === "updated" && n.model.address === "192.0.2.3")
      .map((n) => [n.model.status, n.model.cpus]);
    assert.deepEqual(statuses, [
      ["bootstrapping", 5],
      ["disassociated", 5],
    ]);
  } finally {
    await t.close();
  }
});

test("a jobs.investigate notification is taken from the investigator queue", async () => {
  const { t } = await start(new FakeRemote());
  try {
    await addHost(t.storage, "192.0.2.3");
    assert.equal(await t.client.notify("jobs.investigate", { address: "192.0.2.3" }), 1);
    await waitFor(async () => (await t.storage.getHost("192.0.2.3")).status === "disassociated", {
      timeoutMs: 5000,
    });
  } finally {
    await t.close();
  }
});

test("an unknown OS ends failed with the reason", async () => {
  const remote = new FakeRemote().setFacts("192.0.2.4", { os: "plan9" });
  const { t } = await start(remote);
  try {
    await addHost(t.storage, "192.0.2.4");
    await callHandler(t.service, "investigate", { address: "192.0.2.4" });
    const host = await t.storage.getHost("192.0.2.4");
    assert.equal(host.status, "failed");
    assert.match(host.status_reason, /facts: no command set for OS "plan9"/);
  } finally {
    await t.close();
  }
});

/** Files the bootstrap script (sent on stdin) writes, decoded from its base64 heredocs. */
class ScriptRecordingRemote extends FakeRemote {
  readonly scripts: string[] = [];
  override async open(target: Parameters<FakeRemote["open"]>[0]) {
    const ex = await super.open(target);
    const run: typeof ex.run = (command, options) => {
      if (typeof options?.stdin === "string") this.scripts.push(options.stdin);
      return ex.run(command, options);
    };
    return { ...ex, address: ex.address, hostKey: ex.hostKey, run };
  }

  written(): Map<string, string> {
    const files = new Map<string, string>();
    const heredoc = /base64 -d > '?([^ ']+)\.commissaire-'?\$\$ <<'(\w+)'[^\n]*\n([\s\S]*?)\n\2\n/g;
    for (const script of this.scripts)
      for (const m of script.matchAll(heredoc))
        files.set(m[1]!, Buffer.from(m[3]!.replace(/\n/g, ""), "base64").toString("utf8"));
    return files;
  }
}

test("a flannel_server network configures flanneld with the server's address", async () => {
  const remote = new ScriptRecordingRemote();
  const { t } = await start(remote);
  try {
    await t.storage.save(Network, {
      name: "net1",
      type: "flannel_server",
      options: { address: "192.0.2.99:8080" },
    });
    await t.storage.save(Cluster, { name: "c1", network: "net1", hostset: ["192.0.2.5"] });
    await addHost(t.storage, "192.0.2.5");
    await callHandler(t.service, "investigate", {
      address: "192.0.2.5",
      cluster_data: { name: "c1" },
    });
    assert.equal((await t.storage.getHost("192.0.2.5")).status, "disassociated");
    assert.deepEqual(remote.commands("192.0.2.5"), ["sh -s"], "the bootstrap in one session");
    assert.match(
      String(remote.written().get("/etc/sysconfig/flanneld")),
      /--remote=192\.0\.2\.99:8080/,
    );
  } finally {
    await t.close();
  }
});

test("open hosts without a lease are investigated again; a leased one is left alone", async () => {
  const { t, log } = await start(new FakeRemote(), 0.2);
  try {
    // Left by a dead investigator: one bootstrapping without a lease, one still leased by another.
    await t.storage.acquireLease(hostLeaseName("192.0.2.7"), "someone-else", 600);
    await addHost(t.storage, "192.0.2.7", "investigating");
    await addHost(t.storage, "192.0.2.6", "bootstrapping");
    await waitFor(async () => (await t.storage.getHost("192.0.2.6")).status === "disassociated", {
      timeoutMs: 5000,
    });
    assert.equal((await t.storage.getHost("192.0.2.7")).status, "investigating");
    for (const text of [log.text(), JSON.stringify(t.notifications.seen)])
      assert.ok(!text.includes(KEY) && !text.includes("secret-key-material"));
  } finally {
    await t.close();
  }
});
