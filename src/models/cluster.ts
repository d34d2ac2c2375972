/** Cluster and Clusters, and the status / host counts a cluster's hosts give it (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { oneOf, required, str, withDefault } from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";
import { hostAddressList, recordName } from "./names.js";

export const CLUSTER_STATUSES = ["ok", "degraded", "failed"] as const;
export type ClusterStatusName = (typeof CLUSTER_STATUSES)[number];

export const Cluster = defineModel({
  name: "Cluster",
  primaryKey: "name",
  hidden: ["hostset"],
  // `hosts` {total, available, unavailable} is computed from the member hosts and never stored;
  // clients send back what they were given, so it is dropped rather than refused.
  computed: ["hosts"],
  members: {
    name: required(recordName),
    status: withDefault(oneOf(CLUSTER_STATUSES, true), () => ""),
    network: withDefault(str, () => "default"),
    hostset: withDefault(hostAddressList, () => []),
    container_manager: withDefault(str, () => ""),
  },
});
export type Cluster = ModelOf<typeof Cluster>;

export const Clusters = defineListModel("Clusters", "clusters", Cluster);
export type Clusters = ModelOf<typeof Clusters>;

export interface HostCounts {
  total: number;
  available: number;
  unavailable: number;
}

/** Counts of a cluster's hosts by their statuses: available = active. */
export function clusterHostCounts(statuses: readonly string[]): HostCounts {
  const available = statuses.filter((s) => s === "active").length;
  return { total: statuses.length, available, unavailable: statuses.length - available };
}

/**
 * A cluster's status from its hosts' statuses: ok (all active, or no hosts at all, as the
 * original answers), degraded (some not active), failed (hosts, none active).
 */
export function clusterStatus(statuses: readonly string[]): ClusterStatusName {
  const { total, available } = clusterHostCounts(statuses);
  if (available === total) return "ok";
  return available === 0 ? "failed" : "degraded";
}
