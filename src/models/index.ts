/** The data models of MODELS.md. */
export * from "./cluster.js";
export * from "./cluster-operations.js";
export * from "./container-manager.js";
export * from "./dates.js";
export * from "./host.js";
export type { ListModelType } from "./list-model.js";
export {
  describeValue,
  type ModelOf,
  type ModelType,
  ModelValidationError,
  type ValidationIssue,
} from "./model-type.js";
export * from "./names.js";
export * from "./network.js";
export * from "./registry.js";
export * from "./watcher-record.js";
export * from "./wire-members.js";
