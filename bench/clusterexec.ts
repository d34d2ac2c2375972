/**
 * Rolling restart of test hosts through the clusterexec service: 100 hosts (20 with --quick) in
 * batches of 10 (5), each reboot down for 1 s. The wall time is compared to the ideal, the
 * batches times (reboot + verification) with nothing else; per-batch timings come from the record.
 */
import { Cluster, ClusterRestart, Host, HostCreds } from "../src/models/index.js";
import { planBatches, readPolicy } from "../src/services/clusterexec/policy.js";
import type { HostResult, OperationRecord } from "../src/services/clusterexec/records.js";
import { ClusterExecService } from "../src/services/clusterexec/service.js";
import { startTestService, waitFor } from "../src/testing/index.js";
import { TestHosts } from "../test/hosts/harness.js";

const REBOOT_MS = 1000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const STABILITY_S = 0.2;

export async function clusterexecBench(quick: boolean): Promise<string[]> {
  const count = quick ? 20 : 100;
  const batch = quick ? 5 : 10;
  process.stderr.write(`clusterexec: starting ${count} sshd test hosts\n`);
  const hosts = await TestHosts.start(
    Array.from({ length: count }, () => ({ proxy: false, rebootDownMs: REBOOT_MS })),
  );
  const byAddress = new Map(hosts.hosts.map((h) => [h.address, h]));
  const t = await startTestService(
    (bus) =>
      new ClusterExecService({
        bus,
        config: { reboot_timeout: 60, stability_wait: STABILITY_S, probe_interval: 0.1 },
        connector: hosts.pool({ connectTimeoutMs: 2000 }),
        targetFor: (creds) => hosts.target(byAddress.get(creds.address)!),
      }),
    { storage: true },
  );
  try {
    const addresses = hosts.hosts.map((h) => h.address);
    for (const h of hosts.hosts) {
      await t.storage.save(Host, { address: h.address, status: "active" });
      await t.storage.save(HostCreds, hosts.creds(h));
    }
    await t.storage.save(Cluster, { name: "bench", hostset: addresses });
    const started = performance.now();
    await t.client.request("jobs.clusterexec.restart", { cluster_name: "bench", batches: [batch] });
    const r = await waitFor(
      async () => {
        const rec = (await t.storage.get(ClusterRestart, { name: "bench" })) as OperationRecord;
        return rec.status === "in_process" ? null : rec;
      },
      { timeoutMs: 600_000, intervalMs: 100, what: "the benchmark restart to end" },
    );
    const wallMs = performance.now() - started;
    const batches = planBatches(addresses, readPolicy({}, { batches: [batch] }));
    const idealMs = batches.length * (REBOOT_MS + STABILITY_S * 1000);
    const perBatch = batches.map((b) => {
      const results = b.map((a) => r.hosts[a] as HostResult);
      return Math.max(...results.map((h) => (h.seconds ?? 0) * 1000));
    });
    // The ideal again with each batch's slowest reboot as the test hosts really took it (their
    // sshd restart on a loaded machine adds to the configured down time).
    const rebootOf = (a: string) => Math.max(0, ...(byAddress.get(a)?.rebootTimesMs ?? [0]));
    const measuredIdealMs = batches.reduce(
      (sum, b) => sum + Math.max(...b.map(rebootOf)) + STABILITY_S * 1000,
      0,
    );
    const f = (n: number) => n.toFixed(0);
    return [
      `clusterexec: restart of ${count} test hosts in batches of ${batch} (reboot ${REBOOT_MS} ms, stability wait ${STABILITY_S * 1000} ms): ${r.status}`,
      `wall ${f(wallMs)} ms; ideal ${f(idealMs)} ms (${batches.length} batches x reboot + stability); ratio x${(wallMs / idealMs).toFixed(2)}`,
      `per batch (slowest host, ms): ${perBatch.map(f).join(" ")}`,
      `the test hosts' reboots took (down ${REBOOT_MS} ms + sshd restart) p50 ${f(median(hosts.hosts.map((h) => rebootOf(h.address))))} ms; ` +
        `ideal with those ${f(measuredIdealMs)} ms; ratio x${(wallMs / measuredIdealMs).toFixed(2)}`,
    ];
  } finally {
    await t.close();
    await hosts.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log((await clusterexecBench(process.argv.includes("--quick"))).join("\n"));
