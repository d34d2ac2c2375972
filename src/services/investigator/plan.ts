/**
 * What bootstrap writes on a host, from the cluster's Network and the etcd store handler: the
 * flanneld configuration (etcd endpoint, or a flannel server's address), the etcd client
 * certificate, key and CA when that etcd uses TLS, and docker's configuration.
 */
import type { Network } from "../../models/index.js";
import type { BootstrapFile, BootstrapPlan } from "./bootstrap.js";

export const FLANNEL_CONFIG = "/etc/sysconfig/flanneld";
export const DOCKER_CONFIG = "/etc/sysconfig/docker";
export const ETCD_TLS_DIR = "/etc/flanneld";
export const FLANNEL_PREFIX = "/atomic.io/network";

/** The etcd handler as storage.list_store_handlers describes it, with local TLS files read. */
export interface EtcdEndpoint {
  serverUrl: string;
  tls?: { ca: string; cert: string; key: string };
}

export function bootstrapPlan(network: Network, etcd: EtcdEndpoint | null): BootstrapPlan {
  const files: BootstrapFile[] = [];
  const flannel: string[] = ["# Written by the Commissaire investigator."];
  if (network.type === "flannel_server") {
    const options: Record<string, unknown> = network.options;
    const address = typeof options.address === "string" ? options.address : "";
    if (!address) throw new Error(`network "${network.name}" (flannel_server) has no address`);
    flannel.push(`FLANNEL_OPTIONS="--remote=${address}"`);
  } else {
    if (!etcd) throw new Error(`network "${network.name}" needs an etcd store handler`);
    flannel.push(`FLANNEL_ETCD_ENDPOINTS="${etcd.serverUrl}"`);
    flannel.push(`FLANNEL_ETCD_PREFIX="${FLANNEL_PREFIX}"`);
    if (etcd.tls) {
      const at = (name: string) => `${ETCD_TLS_DIR}/${name}`;
      const restarts = ["flanneld"];
      files.push({ path: at("etcd-ca.crt"), content: etcd.tls.ca, restarts });
      files.push({ path: at("etcd-client.crt"), content: etcd.tls.cert, restarts });
      files.push({ path: at("etcd-client.key"), content: etcd.tls.key, mode: 0o600, restarts });
      flannel.push(
        `FLANNEL_OPTIONS="-etcd-cafile=${at("etcd-ca.crt")} -etcd-certfile=${at("etcd-client.crt")} -etcd-keyfile=${at("etcd-client.key")}"`,
      );
    }
  }
  files.push({
    path: FLANNEL_CONFIG,
    content: `${flannel.join("\n")}\n`,
    restarts: ["flanneld", "docker"],
  });
  files.push({
    path: DOCKER_CONFIG,
    content:
      "# Written by the Commissaire investigator.\nOPTIONS='--selinux-enabled --log-driver=journald'\n",
    restarts: ["docker"],
  });
  return { files, packages: ["docker", "flannel"], services: ["flanneld", "docker"] };
}
