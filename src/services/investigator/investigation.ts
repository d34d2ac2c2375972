/**
 * One host's investigation, start to final status: facts (one round trip) -> bootstrapping ->
 * bootstrap -> registered with the cluster's container manager (active) or not (disassociated);
 * any failure on the way -> failed with the reason. The caller holds the host's lease.
 */
import type { Logger } from "../../base/logger.js";
import type { Bus } from "../../bus/bus.js";
import { type Cluster, HostCreds } from "../../models/index.js";
import { targetFromCreds } from "../../remote/credentials.js";
import type { RemoteConnector, RemoteExecutor } from "../../remote/executor.js";
import { commandSetFor } from "../../remote/os-registry.js";
import type { StorageClient } from "../../storage/client.js";
import { type BootstrapPlan, bootstrap } from "./bootstrap.js";
import { clusterOf, etcdEndpoint, networkOf } from "./environment.js";
import { failureReason } from "./failure-reason.js";
import { HostStatusWriter, SupersededError } from "./host-status.js";
import { bootstrapPlan } from "./plan.js";

export interface InvestigationContext {
  bus: Bus;
  storage: StorageClient;
  remote: RemoteConnector;
  logger: Logger;
  /** Deadline of container.register_node. */
  registerTimeoutMs: number;
  /** flanneld's etcd when storage has no etcd store handler (configuration `etcd_server_url`). */
  fallbackEtcdUrl: string;
}

export interface InvestigationResult {
  address: string;
  status: string;
  status_reason?: string;
  /** What bootstrap changed (empty: the host already had everything). */
  changed?: string[];
}

/** Statuses an investigation takes up; a host in any other was finished by someone. */
export const OPEN_STATUSES = new Set(["investigating", "bootstrapping", ""]);

/** The host's cluster and what bootstrap writes, from the cluster's Network and etcd handler. */
async function environmentPlan(
  ctx: InvestigationContext,
  address: string,
  clusterName: string | undefined,
): Promise<{ cluster: Cluster | null; plan: BootstrapPlan }> {
  const cluster = await clusterOf(ctx.storage, address, clusterName);
  const [network, etcd] = await Promise.all([
    networkOf(ctx.storage, cluster),
    etcdEndpoint(ctx.bus),
  ]);
  return { cluster, plan: bootstrapPlan(network, etcd ?? { serverUrl: ctx.fallbackEtcdUrl }) };
}

export async function investigate(
  ctx: InvestigationContext,
  address: string,
  clusterName: string | undefined,
): Promise<InvestigationResult> {
  // The credentials are read beside the status: both are needed before connecting.
  const credsRead = ctx.storage.get(HostCreds, { address });
  credsRead.catch(() => undefined); // its failure is reported at the connect step
  const host = await HostStatusWriter.read(ctx.storage, address);
  if (!OPEN_STATUSES.has(host.status)) return { address, status: host.status };
  let step = "connect";
  let ex: RemoteExecutor | undefined;
  // What bootstrap will write depends on storage only: read it while SSH connects.
  const planning = environmentPlan(ctx, address, clusterName);
  planning.catch(() => undefined); // its failure is reported at the bootstrap step
  try {
    const creds = await credsRead;
    const session = await ctx.remote.open(targetFromCreds(creds));
    ex = session;
    const keySaved =
      !creds.ssh_host_key && session.hostKey
        ? ctx.storage.save(
            HostCreds,
            { address, ssh_host_key: session.hostKey },
            { members: ["ssh_host_key"] },
          )
        : undefined;
    step = "facts";
    const [facts] = await Promise.all([session.facts(), keySaved]);
    const commands = commandSetFor(facts.os);
    // Recorded while bootstrap runs (a storage round trip less per host). Both are settled before
    // anything else happens: the final status is written after this one, and the session is
    // never closed under a running script.
    const bootstrapping = host.set({
      status: "bootstrapping",
      status_reason: "",
      os: facts.os,
      cpus: facts.cpus,
      memory: facts.memory,
      space: facts.space,
      last_check: new Date().toISOString(),
    });
    step = "bootstrap";
    const [booted, recorded] = await Promise.allSettled([
      planning.then(async ({ cluster, plan }) => ({
        cluster,
        ...(await bootstrap(session, commands, plan)),
      })),
      bootstrapping,
    ]);
    if (recorded.status === "rejected") throw recorded.reason;
    if (booted.status === "rejected") throw booted.reason;
    const { cluster, changed } = booted.value;
    ctx.logger.info(
      { address, changed },
      changed.length ? "bootstrapped" : "bootstrap: nothing to change",
    );
    await session.close();
    ex = undefined;
    if (!cluster?.container_manager) {
      await host.set({ status: "disassociated", status_reason: "" });
      return { address, status: "disassociated", changed };
    }
    step = `registration with container manager "${cluster.container_manager}"`;
    await ctx.bus.request(
      "container.register_node",
      { container_manager_name: cluster.container_manager, address },
      { timeoutMs: ctx.registerTimeoutMs },
    );
    await host.set({ status: "active", status_reason: "" });
    return { address, status: "active", changed };
  } catch (err) {
    if (err instanceof SupersededError) {
      ctx.logger.info({ address, reason: err.message }, "investigation superseded");
      return { address, status: host.status };
    }
    const reason = failureReason(step, err);
    ctx.logger.warn({ address, reason }, "investigation failed");
    await host.set({ status: "failed", status_reason: reason }).catch((e: unknown) => {
      if (!(e instanceof SupersededError)) throw e;
    });
    return { address, status: "failed", status_reason: reason };
  } finally {
    await ex?.close().catch(() => undefined);
  }
}
