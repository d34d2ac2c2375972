/**
 * The `trivial` container manager: nodes in memory, every operation succeeds (the original's, for
 * end-to-end tests and the all-in-one mode, where no cluster exists).
 */
import { nodeNotRegistered } from "./errors.js";
import type { ContainerManager, NodeStatus, RegisterResult, RemoveResult } from "./manager.js";

export class TrivialManager implements ContainerManager {
  readonly type = "trivial";
  /** address -> cordoned */
  private readonly nodes = new Map<string, boolean>();

  constructor(readonly name: string) {}

  private status(address: string): NodeStatus {
    const unschedulable = this.nodes.get(address);
    if (unschedulable === undefined) throw nodeNotRegistered(this.name, address);
    return {
      node: address,
      status: "ok",
      ready: true,
      unschedulable,
      conditions: [{ type: "Ready", status: "True" }],
      addresses: [{ type: "InternalIP", address }],
      node_info: {},
      capacity: {},
      allocatable: {},
      registered_by: this.name,
    };
  }

  async nodeRegistered(address: string): Promise<boolean> {
    this.status(address);
    return true;
  }

  async registerNode(address: string): Promise<RegisterResult> {
    const created = !this.nodes.has(address);
    if (created) this.nodes.set(address, false);
    return { node: address, created };
  }

  async removeNode(address: string): Promise<RemoveResult> {
    return { node: address, removed: this.nodes.delete(address) };
  }

  async removeAllNodes(): Promise<{ removed: string[] }> {
    const removed = [...this.nodes.keys()];
    this.nodes.clear();
    return { removed };
  }

  async getNodeStatus(address: string): Promise<NodeStatus> {
    return this.status(address);
  }

  async setUnschedulable(address: string, unschedulable: boolean): Promise<NodeStatus> {
    this.status(address);
    this.nodes.set(address, unschedulable);
    return this.status(address);
  }

  async listNodes(): Promise<NodeStatus[]> {
    return [...this.nodes.keys()].sort().map((a) => this.status(a));
  }

  close(): void {}
}
