/**
 * One host's investigation, start to final status: facts (one round trip) -> bootstrapping ->
 * bootstrap -> registered with the cluster's container manager (active) or not (disassociated);
 * any failure on the way -> failed with the reason. The caller holds the host's lease.
 */
import type { Logger } from "../../base/logger.js";
import type { Bus } from "../../bus/bus.js";
import { HostCreds } from "../../models/index.js";
import { targetFromCreds } from "../../remote/credentials.js";
import type { RemoteConnector, RemoteExecutor } from "../../remote/executor.js";
import { commandSetFor } from "../../remote/os-registry.js";
import type { StorageClient } from "../../storage/client.js";
import { bootstrap } from "./bootstrap.js";
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

export async function investigate(
  ctx: InvestigationContext,
  address: string,
  clusterName: string | undefined,
): Promise<InvestigationResult> {
  const host = await HostStatusWriter.read(ctx.storage, address);
  if (!OPEN_STATUSES.has(host.status)) return { address, status: host.status };
  let step = "connect";
  let ex: RemoteExecutor | undefined;
  try {
    const creds = await ctx.storage.get(HostCreds, { address });
    ex = await ctx.remote.open(targetFromCreds(creds));
    if (!creds.ssh_host_key && ex.hostKey)
      await ctx.storage.save(
        HostCreds,
        { address, ssh_host_key: ex.hostKey },
        { members: ["ssh_host_key"] },
      );
    step = "facts";
    const facts = await ex.facts();
    const commands = commandSetFor(facts.os);
    await host.set({
      status: "bootstrapping",
      status_reason: "",
      os: facts.os,
      cpus: facts.cpus,
      memory: facts.memory,
      space: facts.space,
      last_check: new Date().toISOString(),
    });
    step = "bootstrap";
    const cluster = await clusterOf(ctx.storage, address, clusterName);
    const plan = bootstrapPlan(
      await networkOf(ctx.storage, cluster),
      (await etcdEndpoint(ctx.bus)) ?? { serverUrl: ctx.fallbackEtcdUrl },
    );
    const { changed } = await bootstrap(ex, commands, plan);
    ctx.logger.info(
      { address, changed },
      changed.length ? "bootstrapped" : "bootstrap: nothing to change",
    );
    await ex.close();
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
