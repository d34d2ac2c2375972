/** ContainerManagerConfig and ContainerManagerConfigs (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { obj, oneOf, required, withDefault } from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";
import { recordName } from "./names.js";

export const CONTAINER_MANAGER_TYPES = ["openshift", "kubernetes", "trivial"] as const;

/** Options that hold credentials: hidden from notifications, logs and REST answers (MODELS.md). */
export const isSecretOption = (name: string): boolean =>
  name === "token" ||
  name === "password" ||
  name === "client_key" ||
  name.endsWith("_token") ||
  name.endsWith("_key");

export const ContainerManagerConfig = defineModel({
  name: "ContainerManagerConfig",
  primaryKey: "name",
  members: {
    name: required(recordName),
    type: withDefault(oneOf(CONTAINER_MANAGER_TYPES), () => "openshift"),
    options: withDefault(obj, () => ({})),
  },
  safeMembers: (safe) =>
    typeof safe.options === "object" && safe.options !== null
      ? {
          ...safe,
          options: Object.fromEntries(
            Object.entries(safe.options).filter(([name]) => !isSecretOption(name)),
          ),
        }
      : safe,
});
export type ContainerManagerConfig = ModelOf<typeof ContainerManagerConfig>;

export const ContainerManagerConfigs = defineListModel(
  "ContainerManagerConfigs",
  "container_managers",
  ContainerManagerConfig,
);
export type ContainerManagerConfigs = ModelOf<typeof ContainerManagerConfigs>;
