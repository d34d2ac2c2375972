/**
 * A small stand-in for kube-apiserver (none can run here): HTTPS on loopback with a test CA,
 * `/api/v1/nodes` list / get / create / patch / delete with label selectors, and the answers the
 * real one gives: Status objects with 401, 404, 409, 415, 422, 429 (Retry-After) and 500. Every
 * body it is sent is checked against the Kubernetes Node schema (kubernetes-models); faults can be
 * queued (an answer, or a connection reset) to test retries.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  DNS_SUBDOMAIN,
  type KubeNode,
  mergePatch,
  nodeSchemaProblem,
  status,
} from "./kube-objects.js";
import { nodeSelected } from "./label-selector.js";

export { type KubeNode, nodeSchemaProblem };

/** An answer instead of the real one, a connection reset, or no answer at all. */
export type Fault = { status: number; reason: string; retryAfter?: number } | "reset" | "hang";

export interface Received {
  method: string;
  path: string;
  contentType: string;
  authorization: string;
  body: unknown;
}

export interface FakeApiserverOptions {
  tls: { certFile: string; keyFile: string; caFile: string };
  /** Bearer token the server accepts; none: no token checked. */
  token?: string;
  /** Accept a client certificate signed by the CA instead of a token. */
  clientCerts?: boolean;
}

export class FakeApiserver {
  readonly nodes = new Map<string, KubeNode>();
  readonly received: Received[] = [];
  readonly faults: Fault[] = [];
  /** Bodies we were sent that did not fit the Node schema (a test asserts this stays empty). */
  readonly schemaProblems: string[] = [];
  private server?: Server;
  private version = 1;
  url = "";

  constructor(private readonly options: FakeApiserverOptions) {}

  async start(): Promise<this> {
    const { tls } = this.options;
    this.server = createServer(
      {
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        ca: readFileSync(tls.caFile),
        requestCert: this.options.clientCerts === true,
        rejectUnauthorized: false,
      },
      (req, res) => void this.handle(req, res),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** A node made by someone else (a kubelet, another tool). */
  seed(node: KubeNode): void {
    this.nodes.set(node.metadata.name, this.stamp(structuredClone(node)));
  }

  /** What the kubelet would report: the Ready condition and some node info. */
  report(name: string, ready: boolean): void {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    node.status = {
      conditions: [
        {
          type: "Ready",
          status: ready ? "True" : "False",
          reason: ready ? "KubeletReady" : "KubeletNotReady",
          message: ready ? "kubelet is posting ready status" : "container runtime is down",
          lastHeartbeatTime: new Date().toISOString(),
          lastTransitionTime: "2026-01-02T03:04:05Z",
        },
      ],
      addresses: [{ type: "InternalIP", address: name }],
      nodeInfo: {
        kubeletVersion: "v1.30.1",
        osImage: "Fedora CoreOS",
        containerRuntimeVersion: "cri-o://1.30.0",
        architecture: "amd64",
        bootID: "b",
        kernelVersion: "6.8.0",
        kubeProxyVersion: "v1.30.1",
        machineID: "m",
        operatingSystem: "linux",
        systemUUID: "s",
      },
      capacity: { cpu: "4", memory: "8Gi" },
      allocatable: { cpu: "4", memory: "7Gi" },
    };
  }

  private stamp(node: KubeNode): KubeNode {
    node.apiVersion = "v1";
    node.kind = "Node";
    node.metadata.uid ??= randomUUID();
    node.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, "Z");
    node.metadata.resourceVersion = String(++this.version);
    return node;
  }

  private authorized(req: IncomingMessage): boolean {
    const { token, clientCerts } = this.options;
    if (clientCerts && (req.socket as TLSSocket).authorized) return true;
    if (token !== undefined) return req.headers.authorization === `Bearer ${token}`;
    return !clientCerts;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "https://fake");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.send(res, 400, status(400, "BadRequest", "the body is not JSON"));
    }
    this.received.push({
      method: req.method ?? "",
      path: url.pathname + url.search,
      contentType: req.headers["content-type"] ?? "",
      authorization: req.headers.authorization ?? "",
      body,
    });
    const fault = this.faults.shift();
    if (fault === "hang") return; // the response stays open until the client gives up or stop()
    if (fault === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault) {
      const headers: Record<string, string> =
        fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
      return this.send(
        res,
        fault.status,
        status(fault.status, fault.reason, `injected ${fault.reason}`),
        headers,
      );
    }
    if (!this.authorized(req))
      return this.send(res, 401, status(401, "Unauthorized", "Unauthorized"));
    const [, name, extra] = /^\/api\/v1\/nodes(?:\/([^/]+))?(\/.*)?$/.exec(url.pathname) ?? [];
    if (!url.pathname.startsWith("/api/v1/nodes") || extra !== undefined)
      return this.send(
        res,
        404,
        status(404, "NotFound", "the server could not find the requested resource"),
      );
    const method = req.method ?? "";
    if (name === undefined) {
      if (method === "GET") return this.list(res, url.searchParams.get("labelSelector") ?? "");
      if (method === "POST") return this.create(res, body);
    } else {
      const decoded = decodeURIComponent(name);
      if (method === "GET") return this.get(res, decoded);
      if (method === "PATCH")
        return this.patch(res, decoded, req.headers["content-type"] ?? "", body);
      if (method === "DELETE") return this.remove(res, decoded, body);
    }
    return this.send(res, 405, status(405, "MethodNotAllowed", `${method} is not allowed`));
  }

  private send(
    res: ServerResponse,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(code, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  private notFound(res: ServerResponse, name: string) {
    this.send(
      res,
      404,
      status(404, "NotFound", `nodes "${name}" not found`, { name, kind: "nodes" }),
    );
  }

  private list(res: ServerResponse, selector: string) {
    let items: KubeNode[];
    try {
      items = [...this.nodes.values()].filter((n) =>
        nodeSelected(n.metadata.labels ?? {}, selector),
      );
    } catch (err) {
      return this.send(res, 400, status(400, "BadRequest", (err as Error).message));
    }
    this.send(res, 200, {
      kind: "NodeList",
      apiVersion: "v1",
      metadata: { resourceVersion: String(this.version) },
      items,
    });
  }

  private invalid(res: ServerResponse, name: string, message: string) {
    this.send(
      res,
      422,
      status(422, "Invalid", `Node "${name}" is invalid: ${message}`, { name, kind: "Node" }),
    );
  }

  private create(res: ServerResponse, body: unknown) {
    const problem = nodeSchemaProblem(body);
    const node = body as KubeNode;
    const name = String(node?.metadata?.name ?? "");
    if (problem) {
      this.schemaProblems.push(problem);
      return this.invalid(res, name, problem);
    }
    if (node.kind !== "Node" || node.apiVersion !== "v1")
      return this.send(res, 400, status(400, "BadRequest", "the body is not a v1 Node"));
    if (!DNS_SUBDOMAIN.test(name) || name.length > 253)
      return this.invalid(
        res,
        name,
        `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    if (this.nodes.has(name))
      return this.send(
        res,
        409,
        status(409, "AlreadyExists", `nodes "${name}" already exists`, { name, kind: "nodes" }),
      );
    const made = this.stamp(structuredClone(node));
    this.nodes.set(name, made);
    this.send(res, 201, made);
  }

  private get(res: ServerResponse, name: string) {
    const node = this.nodes.get(name);
    if (!node) return this.notFound(res, name);
    this.send(res, 200, node);
  }

  private patch(res: ServerResponse, name: string, contentType: string, body: unknown) {
    if (!/^application\/(merge-patch|strategic-merge-patch)\+json/.test(contentType))
      return this.send(
        res,
        415,
        status(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`,
        ),
      );
    const node = this.nodes.get(name);
    if (!node) return this.notFound(res, name);
    const patched = mergePatch(node, body) as KubeNode;
    const problem = nodeSchemaProblem(patched);
    if (problem) {
      this.schemaProblems.push(problem);
      return this.invalid(res, name, problem);
    }
    this.nodes.set(name, this.stamp(patched));
    this.send(res, 200, patched);
  }

  private remove(res: ServerResponse, name: string, body: unknown) {
    const node = this.nodes.get(name);
    if (!node) return this.notFound(res, name);
    const uid = (body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
    if (uid !== undefined && uid !== node.metadata.uid)
      return this.send(
        res,
        409,
        status(
          409,
          "Conflict",
          `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${node.metadata.uid}`,
          { name, kind: "nodes" },
        ),
      );
    this.nodes.delete(name);
    this.send(res, 200, status(200, "", "", { name, kind: "nodes", uid: node.metadata.uid }));
  }
}
