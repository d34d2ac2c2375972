/**
 * What bootstrap needs to know about the host's surroundings: its cluster (the one whose hostset
 * has it, the one named in the request first), the cluster's Network, and the etcd endpoint from
 * storage.list_store_handlers, as the original read it.
 */
import { readFileSync } from "node:fs";
import type { Bus } from "../../bus/bus.js";
import { StorageLookupError } from "../../bus/errors.js";
import { Cluster, implicitNetwork, type Network } from "../../models/index.js";
import type { StorageClient } from "../../storage/client.js";
import type { EtcdEndpoint } from "./plan.js";

export async function clusterOf(
  storage: StorageClient,
  address: string,
  named: string | undefined,
): Promise<Cluster | null> {
  const clusters = await storage.list(Cluster);
  const having = clusters.filter((c) => c.hostset.includes(address));
  return having.find((c) => c.name === named) ?? having[0] ?? null;
}

export async function networkOf(storage: StorageClient, cluster: Cluster | null): Promise<Network> {
  const name = cluster?.network || "default";
  try {
    return await storage.getNetwork(name);
  } catch (err) {
    const implicit = implicitNetwork(name);
    if (err instanceof StorageLookupError && implicit) return implicit;
    throw err;
  }
}

interface HandlerDescription {
  handler_type?: unknown;
  config?: Record<string, unknown>;
}

const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** The etcd store handler's endpoint (and its TLS files, read here), or null when none is used. */
export async function etcdEndpoint(bus: Bus): Promise<EtcdEndpoint | null> {
  const handlers = await bus.request<HandlerDescription[]>("storage.list_store_handlers", {});
  const etcd = Array.isArray(handlers)
    ? handlers.find((h) => h.handler_type === "etcd")
    : undefined;
  if (!etcd) return null;
  const config = etcd.config ?? {};
  const url = config.server_url;
  const serverUrl = Array.isArray(url) ? url.join(",") : (text(url) ?? "http://127.0.0.1:2379");
  const cert = text(config.certificate_path);
  const key = text(config.certificate_key_path);
  const ca = text(config.certificate_ca_path);
  if (!cert || !key || !ca) return { serverUrl };
  const read = (path: string) => readFileSync(path, "utf8");
  return { serverUrl, tls: { cert: read(cert), key: read(key), ca: read(ca) } };
}
