/** Network and Networks (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { obj, oneOf, required, withDefault } from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";
import { recordName } from "./names.js";

export const NETWORK_TYPES = ["flannel_etcd", "flannel_server"] as const;

export const Network = defineModel({
  name: "Network",
  primaryKey: "name",
  members: {
    name: required(recordName),
    type: withDefault(oneOf(NETWORK_TYPES), () => "flannel_etcd"),
    options: withDefault(obj, () => ({})),
  },
});
export type Network = ModelOf<typeof Network>;

export const Networks = defineListModel("Networks", "networks", Network);
export type Networks = ModelOf<typeof Networks>;

/** The network a cluster names when none is stored under that name ("default" exists implicitly). */
export function implicitNetwork(name: string): Network | null {
  return name === "default" ? { name: "default", type: "flannel_etcd", options: {} } : null;
}
