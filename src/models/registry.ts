/** Every model type by its wire name. */
import { InvalidParamsError } from "../bus/errors.js";
import { ClusterModel, ClustersModel } from "./cluster.js";
import {
  ClusterDeployModel,
  ClusterRestartModel,
  ClusterUpgradeModel,
} from "./cluster-operations.js";
import { ContainerManagerConfigModel, ContainerManagerConfigsModel } from "./container-manager.js";
import { HostCredsModel, HostModel, HostStatusModel, HostsModel } from "./host.js";
import type { ModelType } from "./model-type.js";
import { NetworkModel, NetworksModel } from "./network.js";
import { WatcherRecordModel } from "./watcher-record.js";

const ALL: ModelType<any>[] = [
  HostModel,
  HostCredsModel,
  HostsModel,
  HostStatusModel,
  ClusterModel,
  ClustersModel,
  ClusterUpgradeModel,
  ClusterRestartModel,
  ClusterDeployModel,
  NetworkModel,
  NetworksModel,
  ContainerManagerConfigModel,
  ContainerManagerConfigsModel,
  WatcherRecordModel,
];

export const modelTypes: ReadonlyMap<string, ModelType<any>> = new Map(ALL.map((t) => [t.name, t]));

/** The model type of a wire name; -32602 naming the known ones when there is none. */
export function getModelType(name: string): ModelType<any> {
  const type = modelTypes.get(name);
  if (!type)
    throw new InvalidParamsError(
      `unknown model type "${name}"; known: ${[...modelTypes.keys()].join(", ")}`,
    );
  return type;
}
