/** ContainerManagerConfig and ContainerManagerConfigs (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { member, nonEmptyStr, obj, oneOf } from "./members.js";
import { defineModel } from "./model-type.js";

export const CONTAINER_MANAGER_TYPES = ["openshift", "kubernetes", "trivial"] as const;

export interface ContainerManagerConfig {
  name: string;
  type: string;
  options: Record<string, unknown>;
}

export const ContainerManagerConfigModel = defineModel<ContainerManagerConfig>({
  name: "ContainerManagerConfig",
  primaryKey: "name",
  members: [
    member("name", nonEmptyStr),
    member("type", oneOf(CONTAINER_MANAGER_TYPES), () => "openshift"),
    member("options", obj, () => ({})),
  ],
});

export interface ContainerManagerConfigs {
  container_managers: ContainerManagerConfig[];
}

export const ContainerManagerConfigsModel = defineListModel<
  ContainerManagerConfigs,
  ContainerManagerConfig
>("ContainerManagerConfigs", "container_managers", ContainerManagerConfigModel);
