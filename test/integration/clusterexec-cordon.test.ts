/**
 * A restart of a cluster with a kubernetes container manager: each node is cordoned on the
 * (fake) apiserver before its host reboots and uncordoned after the reboot was verified.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import {
  Cluster,
  ClusterRestart,
  ContainerManagerConfig,
  Host,
  HostCreds,
} from "../../src/models/index.js";
import type { OperationRecord } from "../../src/services/clusterexec/records.js";
import { ClusterExecService } from "../../src/services/clusterexec/service.js";
import { ContainerManagerService } from "../../src/services/containermgr/service.js";
import { memoryBus, startTestService, waitFor } from "../../src/testing/index.js";
import { FakeApiserver } from "../helpers/fake-apiserver.js";
import { makeTlsFiles } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";

const TOKEN = "clusterexec-test-token-51c2";
const tls = makeTlsFiles();
let api: FakeApiserver;
let hosts: TestHosts;

before(async () => {
  [api, hosts] = await Promise.all([
    new FakeApiserver({ tls, token: TOKEN }).start(),
    TestHosts.start([{ os: "fedora" }, { os: "fedora" }]),
  ]);
});
after(async () => {
  await api?.stop();
  await hosts?.destroy();
  rmSync(tls.dir, { recursive: true, force: true });
});

test("nodes are cordoned around their host's verified reboot", async () => {
  const byAddress = new Map(hosts.hosts.map((h) => [h.address, h]));
  const t = await startTestService(
    (bus) =>
      new ClusterExecService({
        bus,
        config: { reboot_timeout: 10, stability_wait: 0.1, probe_interval: 0.1 },
        connector: hosts.pool({ connectTimeoutMs: 1000 }),
        targetFor: (creds) => hosts.target(byAddress.get(creds.address)!),
      }),
    { storage: true },
  );
  const containerBus = memoryBus(t.broker);
  const containers = new ContainerManagerService({
    bus: containerBus,
    config: { refresh_interval_seconds: 3600 },
  });
  try {
    await t.storage.save(ContainerManagerConfig, {
      name: "k8s",
      type: "kubernetes",
      options: {
        server_url: api.url,
        token: TOKEN,
        ca_cert: readFileSync(tls.caFile, "utf8"),
        retry_backoff_ms: 1,
      },
    });
    await containers.start();
    for (const h of hosts.hosts) {
      await t.storage.save(Host, { address: h.address, status: "active" });
      await t.storage.save(HostCreds, hosts.creds(h));
      await t.client.request("container.register_node", ["k8s", h.address]);
    }
    const addresses = hosts.hosts.map((h) => h.address);
    await t.storage.save(Cluster, { name: "kc", hostset: addresses, container_manager: "k8s" });
    api.received.length = 0;
    await t.client.request("jobs.clusterexec.restart", ["kc"]);
    const r = await waitFor(
      async () => {
        const rec = (await t.storage.get(ClusterRestart, { name: "kc" })) as OperationRecord;
        return rec.status === "in_process" ? null : rec;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: "the restart to end" },
    );
    assert.equal(r.status, "finished", r.error);
    // Per node, in order: cordoned (unschedulable true), then uncordoned.
    for (const address of addresses) {
      const patches = api.received
        .filter((q) => q.method === "PATCH" && q.path.includes(address))
        .map((q) => JSON.stringify(q.body));
      assert.equal(patches.length, 2, `two patches for ${address}: ${patches.join(" ")}`);
      assert.match(patches[0]!, /"unschedulable":true/);
      assert.match(patches[1]!, /"unschedulable":false/);
      assert.equal(api.nodes.get(address)?.spec?.unschedulable ?? false, false);
    }
    // Hosts one at a time (batches [1]): the first node was uncordoned before the second was cordoned.
    const order = api.received
      .filter((q) => q.method === "PATCH")
      .map((q) => `${q.path.includes(addresses[0]!) ? 0 : 1}:${JSON.stringify(q.body)}`);
    assert.match(order[0]!, /^0:.*true/);
    assert.match(order[1]!, /^0:.*false/);
  } finally {
    await containers.stop(2000);
    await containerBus.close();
    await t.close();
  }
});
