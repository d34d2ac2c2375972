/** /api/v0/cluster/...: clusters, their status computed from their hosts, and their members. */
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

const sameMembers = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

export function clusterEndpoints(router: Router, storage: StorageClient): void {
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

  router.on("GET", "/api/v0/cluster/{name}", async ({ params }) => ({
    status: 200,
    body: await view(await mustGet(params.name!)),
  }));

  router.on("PUT", "/api/v0/cluster/{name}", async ({ params, body }) => {
    const what = `cluster "${params.name}"`;
    const data = objectBody(body, what);
    const network = optionalString(data, "network", what) ?? "default";
    const containerManager = optionalString(data, "container_manager", what) ?? "";
    if (await orNull(storage.getCluster(params.name!)))
      throw new HttpError(409, `${what} already exists`);
    if (!implicitNetwork(network) && !(await orNull(storage.getNetwork(network)))) {
      throw new HttpError(400, `${what}: network "${network}" does not exist`);
    }
    const saved = await storage.save(Cluster, {
      name: params.name!,
      network,
      container_manager: containerManager,
    });
    return { status: 201, body: await view(saved) };
  });

  router.on("DELETE", "/api/v0/cluster/{name}", async ({ params }) => {
    await mustGet(params.name!);
    await storage.delete(Cluster, { name: params.name! });
    return { status: 200, body: [] };
  });

  router.on("GET", "/api/v0/cluster/{name}/hosts", async ({ params }) => ({
    status: 200,
    body: (await mustGet(params.name!)).hostset,
  }));

  // Compare-and-swap: the caller proves it saw the current list.
  router.on("PUT", "/api/v0/cluster/{name}/hosts", async ({ params, body }) => {
    const what = `hosts of cluster "${params.name}"`;
    const data = objectBody(body, what);
    const old = stringList(data, "old", what);
    const next = stringList(data, "new", what);
    const cluster = await mustGet(params.name!);
    if (!sameMembers(old, cluster.hostset))
      throw new HttpError(409, `${what}: "old" does not match the current list`);
    await storage.save(Cluster, { ...cluster, hostset: [...new Set(next)] });
    return { status: 200, body: [...new Set(next)] };
  });

  router.on("GET", "/api/v0/cluster/{name}/hosts/{ip}", async ({ params }) => {
    const cluster = await mustGet(params.name!);
    if (!cluster.hostset.includes(params.ip!))
      throw new HttpError(404, `host ${params.ip} is not in cluster "${params.name}"`);
    return { status: 200, body: [params.ip] };
  });

  router.on("PUT", "/api/v0/cluster/{name}/hosts/{ip}", async ({ params }) => {
    const cluster = await mustGet(params.name!);
    if (!cluster.hostset.includes(params.ip!))
      await storage.save(Cluster, { ...cluster, hostset: [...cluster.hostset, params.ip!] });
    return { status: 200, body: [params.ip] };
  });

  router.on("DELETE", "/api/v0/cluster/{name}/hosts/{ip}", async ({ params }) => {
    const cluster = await mustGet(params.name!);
    if (cluster.hostset.includes(params.ip!)) {
      await storage.save(Cluster, {
        ...cluster,
        hostset: cluster.hostset.filter((h) => h !== params.ip),
      });
    }
    return { status: 200, body: [] };
  });
}
