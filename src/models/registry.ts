/** Every model type by its wire name. */
import { InvalidParamsError } from "../bus/errors.js";
import { Cluster, Clusters } from "./cluster.js";
import { ClusterDeploy, ClusterRestart, ClusterUpgrade } from "./cluster-operations.js";
import { ContainerManagerConfig, ContainerManagerConfigs } from "./container-manager.js";
import { Host, HostCreds, HostStatus, Hosts } from "./host.js";
import type { ModelType } from "./model-type.js";
import { Network, Networks } from "./network.js";
import { WatcherRecord } from "./watcher-record.js";

const ALL: ModelType[] = [
  Host,
  HostCreds,
  Hosts,
  HostStatus,
  Cluster,
  Clusters,
  ClusterUpgrade,
  ClusterRestart,
  ClusterDeploy,
  Network,
  Networks,
  ContainerManagerConfig,
  ContainerManagerConfigs,
  WatcherRecord,
];

export const modelTypes: ReadonlyMap<string, ModelType> = new Map(ALL.map((t) => [t.name, t]));

/** The model type of a wire name; -32602 naming the known ones when there is none. */
export function getModelType(name: string): ModelType {
  const type = modelTypes.get(name);
  if (!type)
    throw new InvalidParamsError(
      `unknown model type "${name}"; known: ${[...modelTypes.keys()].join(", ")}`,
    );
  return type;
}
