import type { NodeStatus } from "../../containermgr/index.js";
/** The shapes of the REST API's answers that the operator commands read (rest-endpoints.rst). */
import type { Host, HostCounts } from "../../models/index.js";

export type ClusterView = {
  name: string;
  status: string;
  network: string;
  container_manager: string;
  hosts: HostCounts;
};

export type HostView = Host;

export type HostStatusView = {
  type: string;
  host: { status: string; last_check: string };
  container_manager: Record<string, unknown>;
};

/** A network or a container manager. */
export type NamedRecordView = { name: string; type: string; options: Record<string, unknown> };

/** A node a container manager registered (GET /api/v0/containermanager/{name}/nodes). */
export type NodeView = NodeStatus;
