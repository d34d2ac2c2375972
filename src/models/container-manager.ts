/** ContainerManagerConfig and ContainerManagerConfigs (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { obj, oneOf, required, withDefault } from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";
import { recordName } from "./names.js";

export const CONTAINER_MANAGER_TYPES = ["openshift", "kubernetes", "trivial"] as const;

export const ContainerManagerConfig = defineModel({
  name: "ContainerManagerConfig",
  primaryKey: "name",
  members: {
    name: required(recordName),
    type: withDefault(oneOf(CONTAINER_MANAGER_TYPES), () => "openshift"),
    options: withDefault(obj, () => ({})),
  },
});
export type ContainerManagerConfig = ModelOf<typeof ContainerManagerConfig>;

export const ContainerManagerConfigs = defineListModel(
  "ContainerManagerConfigs",
  "container_managers",
  ContainerManagerConfig,
);
export type ContainerManagerConfigs = ModelOf<typeof ContainerManagerConfigs>;
