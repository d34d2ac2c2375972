/**
 * The `kubernetes` and `openshift` container managers: Nodes on the apiserver's /api/v1/nodes
 * (OpenShift serves the same API), through the official client library.
 *
 * @kubernetes/client-node is pinned to 1.4.0, the newest 1.x: 2.x pulls undici 7, which needs
 * zlib's zstd (Node 22.15 and later) and fails on load under Node 20, the version we support.
 *
 * TLS is always verified (one https.Agent with rejectUnauthorized set, whatever the environment
 * says); credentials go only into that agent and the Authorization header, never into a log.
 */
import { Agent } from "node:https";
import {
  CoreV1Api,
  createConfiguration,
  PatchStrategy,
  type RequestContext,
  ServerConfiguration,
  setHeaderOptions,
  type V1Node,
} from "@kubernetes/client-node";
import type { Logger } from "../base/logger.js";
import { ConfigError } from "../config/errors.js";
import { nodeNotRegistered } from "./errors.js";
import { toManagerError } from "./kube-errors.js";
import { type KubeOptions, parseKubeOptions } from "./kube-options.js";
import {
  type ContainerManager,
  MANAGER_LABEL,
  type NodeStatus,
  type RegisterResult,
  type RemoveResult,
} from "./manager.js";
import { nodeStatusOf } from "./node-status.js";
import { KubeCallFailed, withRetries } from "./retry.js";

/** A label value: what a manager's name must be to mark its nodes. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

export class KubernetesManager implements ContainerManager {
  private readonly api: CoreV1Api;
  private readonly agent: Agent;
  private readonly options: KubeOptions;

  constructor(
    readonly name: string,
    readonly type: "kubernetes" | "openshift",
    rawOptions: Record<string, unknown>,
    private readonly logger: Logger,
  ) {
    if (!LABEL_VALUE.test(name))
      throw new ConfigError(
        `the name "${name}" cannot be a label value (at most 63 letters, digits, "-", "_", "."), which marks the nodes it registers`,
      );
    this.options = parseKubeOptions(rawOptions);
    const { ca, clientCert, clientKey, token, timeoutMs } = this.options;
    this.agent = new Agent({
      keepAlive: true,
      rejectUnauthorized: true,
      ...(ca ? { ca } : {}),
      ...(clientCert && clientKey ? { cert: clientCert, key: clientKey } : {}),
    });
    const agent = this.agent;
    const auth = {
      getName: () => "commissaire",
      applySecurityAuthentication(context: RequestContext): void {
        if (token) context.setHeaderParam("Authorization", `Bearer ${token}`);
        context.setAgent(agent);
      },
    };
    const base = this.options.serverUrl.href.replace(/\/+$/, "");
    this.api = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(base, {}),
        authMethods: { default: auth },
        promiseMiddleware: [
          {
            // Every attempt has its own deadline; the retry loop decides whether to go on.
            pre: async (context: RequestContext) => {
              context.setSignal(AbortSignal.timeout(timeoutMs));
              return context;
            },
            post: async (response) => response,
          },
        ],
      }),
    );
  }

  private get selector(): string {
    return `${MANAGER_LABEL}=${this.name}`;
  }

  /** One API call with retries; a failure for good becomes -20001 (or is given to `accept`). */
  private async call<T>(
    what: string,
    fn: () => Promise<T>,
    accept?: (status: number | null) => T | undefined,
  ): Promise<T> {
    try {
      return await withRetries(fn, this.retryPolicy, (failure, attempt, waitMs) =>
        this.logger.warn(
          {
            manager: this.name,
            http_status: failure.httpStatus,
            reason: failure.reason,
            attempt,
            waitMs: Math.round(waitMs),
          },
          `${what}: transient failure, retrying`,
        ),
      );
    } catch (err) {
      if (!(err instanceof KubeCallFailed)) throw err;
      const accepted = accept?.(err.failure.httpStatus);
      if (accepted !== undefined) return accepted;
      const error = toManagerError(this.name, what, err.failure);
      this.logger.warn(
        {
          manager: this.name,
          http_status: err.failure.httpStatus,
          reason: err.failure.reason,
          attempts: err.attempts,
        },
        error.message,
      );
      throw error;
    }
  }

  private get retryPolicy() {
    return { retries: this.options.retries, backoffMs: this.options.retryBackoffMs };
  }

  private readNode(address: string): Promise<V1Node> {
    return this.call(
      `reading node ${address}`,
      () => this.api.readNode({ name: address }),
      (s) => {
        if (s === 404) throw nodeNotRegistered(this.name, address);
        return undefined;
      },
    );
  }

  async nodeRegistered(address: string): Promise<boolean> {
    await this.readNode(address);
    return true;
  }

  async registerNode(address: string): Promise<RegisterResult> {
    const body: V1Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: address, labels: { [MANAGER_LABEL]: this.name } },
    };
    // 409: the node is there already; registering is idempotent.
    const created = await this.call(
      `registering node ${address}`,
      async () => {
        await this.api.createNode({ body });
        return true;
      },
      (s) => (s === 409 ? false : undefined),
    );
    this.logger.info({ manager: this.name, node: address, created }, "node registered");
    return { node: address, created };
  }

  private deleteNode(address: string, uid?: string): Promise<boolean> {
    // The uid precondition: a node replaced since it was listed is not ours to delete.
    const body = uid ? { preconditions: { uid } } : {};
    return this.call(
      `removing node ${address}`,
      async () => {
        await this.api.deleteNode({ name: address, body });
        return true;
      },
      (s) => (s === 404 ? false : undefined),
    );
  }

  async removeNode(address: string): Promise<RemoveResult> {
    const removed = await this.deleteNode(address);
    this.logger.info({ manager: this.name, node: address, removed }, "node removed");
    return { node: address, removed };
  }

  private async ownNodes(): Promise<V1Node[]> {
    const list = await this.call("listing nodes", () =>
      this.api.listNode({ labelSelector: this.selector }),
    );
    // Checked again here: a node is deleted only when it carries our label, whatever was listed.
    return list.items.filter((n) => n.metadata?.labels?.[MANAGER_LABEL] === this.name);
  }

  async removeAllNodes(): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    for (const node of await this.ownNodes()) {
      const name = node.metadata?.name;
      if (name && (await this.deleteNode(name, node.metadata?.uid))) removed.push(name);
    }
    this.logger.info({ manager: this.name, removed: removed.length }, "all nodes removed");
    return { removed };
  }

  async getNodeStatus(address: string): Promise<NodeStatus> {
    return nodeStatusOf(await this.readNode(address));
  }

  async setUnschedulable(address: string, unschedulable: boolean): Promise<NodeStatus> {
    const what = `${unschedulable ? "cordoning" : "uncordoning"} node ${address}`;
    const node = await this.call(
      what,
      () =>
        this.api.patchNode(
          { name: address, body: { spec: { unschedulable } } },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      (s) => {
        if (s === 404) throw nodeNotRegistered(this.name, address);
        return undefined;
      },
    );
    this.logger.info({ manager: this.name, node: address, unschedulable }, "node patched");
    return nodeStatusOf(node);
  }

  async listNodes(): Promise<NodeStatus[]> {
    return (await this.ownNodes()).map(nodeStatusOf).sort((a, b) => a.node.localeCompare(b.node));
  }

  close(): void {
    this.agent.destroy();
  }
}
