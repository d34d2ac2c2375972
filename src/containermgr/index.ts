/**
 * Container manager clients behind one interface (DESIGN.md: containermgr/). KubernetesManager is
 * imported from ./kubernetes.js directly, so loading this module does not load the client library.
 */
export { createManager } from "./create.js";
export { managerError, nodeNotRegistered, Reason } from "./errors.js";
export {
  type ContainerManager,
  MANAGER_LABEL,
  type NodeCondition,
  type NodeStatus,
  type RegisterResult,
  type RemoveResult,
} from "./manager.js";
export { TrivialManager } from "./trivial.js";
