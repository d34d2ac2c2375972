/** Network and Networks (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { member, nonEmptyStr, obj, oneOf } from "./members.js";
import { defineModel } from "./model-type.js";

export const NETWORK_TYPES = ["flannel_etcd", "flannel_server"] as const;

export interface Network {
  name: string;
  type: string;
  options: Record<string, unknown>;
}

export const NetworkModel = defineModel<Network>({
  name: "Network",
  primaryKey: "name",
  members: [
    member("name", nonEmptyStr),
    member("type", oneOf(NETWORK_TYPES), () => "flannel_etcd"),
    member("options", obj, () => ({})),
  ],
});

export interface Networks {
  networks: Network[];
}

export const NetworksModel = defineListModel<Networks, Network>(
  "Networks",
  "networks",
  NetworkModel,
);

/** The network a cluster names when none is stored under that name ("default" exists implicitly). */
export function implicitNetwork(name: string): Network | null {
  return name === "default" ? { name: "default", type: "flannel_etcd", options: {} } : null;
}
