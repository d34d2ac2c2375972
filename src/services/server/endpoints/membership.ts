/**
 * Hosts joining and leaving a cluster, as the original REST server does it: only a host that
 * exists (404) and has finished its bootstrap (active or disassociated; otherwise 405) may join;
 * once the cluster lists it, the host becomes `disassociated`, or, when the cluster has a
 * container manager, is registered with it (`container.register_node`, positional as the
 * original calls it) and becomes `active`. The hosts are saved, so `Host.updated` follows.
 */
import type { Bus } from "../../../bus/bus.js";
import { ContainerManagerError } from "../../../bus/errors.js";
import { type Cluster, Host } from "../../../models/index.js";
import type { StorageClient } from "../../../storage/client.js";
import { HttpError } from "../http-error.js";
import { orNull } from "./exists.js";

/** The original's rule: a host that finished its bootstrap. */
export const readyToJoin = (host: Host) =>
  host.status === "active" || host.status === "disassociated";

/** The hosts that are to join; 404 naming those that do not exist, 405 those not ready. */
export async function joiningHosts(
  storage: StorageClient,
  cluster: string,
  addresses: readonly string[],
): Promise<Host[]> {
  const found = await Promise.all(addresses.map((a) => orNull(storage.getHost(a))));
  const missing = addresses.filter((_, i) => !found[i]);
  if (missing.length) throw new HttpError(404, `host ${missing.join(", ")} does not exist`);
  const hosts = found as Host[];
  const notReady = hosts.filter((h) => !readyToJoin(h));
  if (notReady.length) {
    const which = notReady.map((h) => `${h.address} (status: ${h.status || "none"})`);
    throw new HttpError(405, `hosts not ready to join cluster "${cluster}": ${which.join(", ")}`);
  }
  return hosts;
}

/** After the cluster lists them: registered with its container manager if any, status saved. */
export async function joined(
  storage: StorageClient,
  bus: Bus,
  cluster: Cluster,
  hosts: readonly Host[],
): Promise<void> {
  if (hosts.length === 0) return;
  const manager = cluster.container_manager;
  for (const host of hosts) {
    if (!manager) continue;
    try {
      await bus.request("container.register_node", [manager, host.address]);
    } catch (err) {
      if (!(err instanceof ContainerManagerError)) throw err;
      throw new HttpError(
        502,
        `host ${host.address} is in cluster "${cluster.name}" but container manager "${manager}" did not register it: ${err.message}`,
      );
    }
  }
  const status = manager ? "active" : "disassociated";
  await storage.saveMany(
    Host,
    hosts.map((h) => ({ address: h.address, status })),
    { members: ["status"] },
  );
}

/** After the cluster no longer lists the host: removed from its container manager, if any. */
export async function left(bus: Bus, cluster: Cluster, address: string): Promise<void> {
  if (cluster.container_manager)
    await bus.request("container.remove_node", [cluster.container_manager, address]);
}
