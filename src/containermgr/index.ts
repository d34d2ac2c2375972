/** Container manager clients behind one interface (DESIGN.md: containermgr/). */
export { createManager } from "./create.js";
export { managerError, nodeNotRegistered, Reason } from "./errors.js";
export { KubernetesManager } from "./kubernetes.js";
export {
  type ContainerManager,
  MANAGER_LABEL,
  type NodeCondition,
  type NodeStatus,
  type RegisterResult,
  type RemoveResult,
} from "./manager.js";
export { TrivialManager } from "./trivial.js";
