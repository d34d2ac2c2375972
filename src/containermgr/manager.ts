/**
 * The one interface every container manager client has (kubernetes, openshift, trivial), and what
 * its answers look like. The containermgr service only routes calls to one of these.
 */

/** The label every node we register carries: `commissaire.io/container-manager=<name>`. */
export const MANAGER_LABEL = "commissaire.io/container-manager";

/** A node's condition as the cluster reports it (Ready, MemoryPressure, ...). */
export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  last_transition_time?: string;
}

/** The useful parts of a node's status (get_node_status, list_nodes). */
export interface NodeStatus {
  /** The node's name: the host's address. */
  node: string;
  /** "ok" when Ready is True, "not_ready" when False, "unknown" when not reported. */
  status: "ok" | "not_ready" | "unknown";
  ready: boolean;
  /** True while cordoned (spec.unschedulable). */
  unschedulable: boolean;
  conditions: NodeCondition[];
  addresses: { type: string; address: string }[];
  node_info: Record<string, string>;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  /** The container manager that registered it (our label), or null for a node someone else made. */
  registered_by: string | null;
}

export interface RegisterResult {
  node: string;
  /** False when the node was already there (registering is idempotent). */
  created: boolean;
}

export interface RemoveResult {
  node: string;
  /** False when the node was already gone (removing is idempotent). */
  removed: boolean;
}

export interface ContainerManager {
  /** The ContainerManagerConfig's name (the label value, the `manager` of errors). */
  readonly name: string;
  readonly type: string;
  /** True when registered; -20001 (NotFound, 404) when not, as the original answered. */
  nodeRegistered(address: string): Promise<boolean>;
  registerNode(address: string): Promise<RegisterResult>;
  removeNode(address: string): Promise<RemoveResult>;
  /** Removes the nodes this manager registered (by its label), never another's. */
  removeAllNodes(): Promise<{ removed: string[] }>;
  getNodeStatus(address: string): Promise<NodeStatus>;
  /** Sets spec.unschedulable: true cordons, false uncordons. */
  setUnschedulable(address: string, unschedulable: boolean): Promise<NodeStatus>;
  /** The nodes this manager registered, with their status. */
  listNodes(): Promise<NodeStatus[]>;
  /** Lets go of connections; the manager is not used afterwards. */
  close(): void;
}
