/** /api/v0/cluster/...: clusters, their status computed from their hosts, and their members. */

import type { Bus } from "../../../bus/bus.js";
import {
  Cluster,
  clusterHostCounts,
  clusterStatus,
  Host,
  implicitNetwork,
} from "../../../models/index.js";
import type { StorageClient } from "../../../storage/client.js";
import { HttpError } from "../http-error.js";
import type { Router } from "../router.js";
import { objectBody, optionalString, stringList } from "./body.js";
import { orNull } from "./exists.js";
import { joined, joiningHosts, left } from "./membership.js";

/** Adds a host to a cluster's members, losing no concurrent change. */
export async function addMember(storage: StorageClient, name: string, address: string) {
  await storage.update(Cluster, { name }, (cluster) =>
    cluster.hostset.includes(address)
      ? null
      : { ...cluster, hostset: [...cluster.hostset, address] },
  );
}

/**
 * Removes a host from a cluster's members, losing no concurrent change; the cluster as saved when
 * this call removed it, null when it was no member.
 */
export async function removeMember(
  storage: StorageClient,
  name: string,
  address: string,
): Promise<Cluster | null> {
  let removed = false;
  const saved = await storage.update(Cluster, { name }, (cluster) => {
    removed = cluster.hostset.includes(address);
    return removed ? { ...cluster, hostset: cluster.hostset.filter((h) => h !== address) } : null;
  });
  return removed && saved ? saved.model : null;
}

const sameMembers = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

export function clusterEndpoints(router: Router, storage: StorageClient, bus: Bus): void {
  const mustGet = async (name: string): Promise<Cluster> => {
    const cluster = await orNull(storage.getCluster(name));
    if (!cluster) throw new HttpError(404, `cluster "${name}" does not exist`);
    return cluster;
  };

  /** The cluster as the API shows it: status and host counts computed from its hosts. */
  const view = async (cluster: Cluster) => {
    const members = new Set(cluster.hostset);
    const statuses = (await storage.list(Host))
      .filter((h) => members.has(h.address))
      .map((h) => h.status);
    // Members with no host record count as unavailable.
    while (statuses.length < members.size) statuses.push("");
    return {
      name: cluster.name,
      status: clusterStatus(statuses),
      network: cluster.network,
      container_manager: cluster.container_manager,
      hosts: clusterHostCounts(statuses),
    };
  };

  const list = async () => ({
    status: 200,
    body: (await storage.list(Cluster)).map((c) => c.name),
  });
  router.on("GET", "/api/v0/cluster", list).on("GET", "/api/v0/clusters", list);

  // As the original's: the computed view and the members (`hostset`), for a GET and a PUT alike.
  const detail = async (cluster: Cluster) => ({
    ...(await view(cluster)),
    hostset: cluster.hostset,
  });
  router.on("GET", "/api/v0/cluster/{name}", async ({ params }) => ({
    status: 200,
    body: await detail(await mustGet(params.name!)),
  }));

  // Creates the cluster, or updates an existing one's network and container manager (those the
  // body names) while keeping its members: one conditional write, retried if it changed meanwhile.
  router.on("PUT", "/api/v0/cluster/{name}", async ({ params, body }) => {
    const what = `cluster "${params.name}"`;
    const data = objectBody(body, what);
    const network = optionalString(data, "network", what);
    const containerManager = optionalString(data, "container_manager", what);
    if (network && !implicitNetwork(network) && !(await orNull(storage.getNetwork(network)))) {
      throw new HttpError(400, `${what}: network "${network}" does not exist`);
    }
    const saved = await storage.update(
      Cluster,
      { name: params.name! },
      (cluster) => ({
        ...cluster,
        ...(network !== undefined ? { network } : {}),
        ...(containerManager !== undefined ? { container_manager: containerManager } : {}),
      }),
      { create: () => Cluster.create({ name: params.name! }) },
    );
    return { status: 201, body: await detail(saved!.model) };
  });

  router.on("DELETE", "/api/v0/cluster/{name}", async ({ params }) => {
    const cluster = await mustGet(params.name!);
    // As the original: its container manager forgets the cluster's nodes first.
    if (cluster.container_manager)
      await bus.request("container.remove_all_nodes", [cluster.container_manager]);
    await storage.delete(Cluster, { name: params.name! });
    return { status: 200, body: [] };
  });

  router.on("GET", "/api/v0/cluster/{name}/hosts", async ({ params }) => ({
    status: 200,
    body: (await mustGet(params.name!)).hostset,
  }));

  // Compare-and-swap: the caller proves it saw the current list. Hosts new to the list must be
  // ready to join (membership.ts); the answer is the cluster with its members, as the original's.
  router.on("PUT", "/api/v0/cluster/{name}/hosts", async ({ params, body }) => {
    const what = `hosts of cluster "${params.name}"`;
    const data = objectBody(body, what);
    const old = stringList(data, "old", what);
    const next = [...new Set(stringList(data, "new", what))];
    const conflict = () => new HttpError(409, `${what}: "old" does not match the current list`);
    if (!sameMembers(old, (await mustGet(params.name!)).hostset)) throw conflict();
    const hosts = await joiningHosts(
      storage,
      params.name!,
      next.filter((a) => !old.includes(a)),
    );
    // A real compare-and-swap: the list is replaced only if it is "old" at the moment of the
    // write (a conditional save), so of callers racing with one "old" exactly one wins.
    const saved = await storage.update(Cluster, { name: params.name! }, (cluster) => {
      if (!sameMembers(old, cluster.hostset)) throw conflict();
      return { ...cluster, hostset: next };
    });
    await joined(storage, bus, saved!.model, hosts);
    return { status: 200, body: Cluster.toJson(saved!.model) };
  });

  router.on("GET", "/api/v0/cluster/{name}/hosts/{ip}", async ({ params }) => {
    const cluster = await mustGet(params.name!);
    if (!cluster.hostset.includes(params.ip!))
      throw new HttpError(404, `host ${params.ip} is not in cluster "${params.name}"`);
    return { status: 200, body: [params.ip] };
  });

  // Membership changes are read-modify-writes that retry on a concurrent write: none is lost.
  router.on("PUT", "/api/v0/cluster/{name}/hosts/{ip}", async ({ params }) => {
    const [name, address] = [params.name!, params.ip!];
    const host = await orNull(storage.getHost(address));
    if (!host) throw new HttpError(404, `host ${address} does not exist`);
    const cluster = await mustGet(name);
    if (cluster.hostset.includes(address)) return { status: 200, body: [address] };
    await joiningHosts(storage, name, [address]);
    let added = false;
    const saved = await storage.update(Cluster, { name }, (current) => {
      added = !current.hostset.includes(address);
      return added ? { ...current, hostset: [...current.hostset, address] } : null;
    });
    // Of concurrent additions only the one that added it registers the host.
    if (added) await joined(storage, bus, saved!.model, [host]);
    return { status: 200, body: [address] };
  });

  router.on("DELETE", "/api/v0/cluster/{name}/hosts/{ip}", async ({ params }) => {
    await mustGet(params.name!);
    const cluster = await removeMember(storage, params.name!, params.ip!);
    if (cluster) await left(bus, cluster, params.ip!);
    return { status: 200, body: [] };
  });
}
