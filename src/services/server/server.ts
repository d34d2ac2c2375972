/**
 * The REST server (`/api/v0/...` of rest-endpoints.rst): HTTP or HTTPS, every request
 * authenticated, JSON in and out, each endpoint a few calls to the storage service (and
 * clusterexec / investigator) over the bus.
 */
import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics } from "prom-client";
import type { Logger } from "../../base/logger.js";
import type { Bus } from "../../bus/bus.js";
import { ServiceMetrics } from "../../service/metrics.js";
import { StorageClient } from "../../storage/client.js";
import { type Authenticator, type AuthGate, authorize, gateOf, httpsOptions } from "./auth.js";
import { clusterEndpoints } from "./endpoints/clusters.js";
import { containerNodeEndpoints } from "./endpoints/container-nodes.js";
import { hostEndpoints } from "./endpoints/hosts.js";
import { indexEndpoint } from "./endpoints/index-page.js";
import { containerManagerEndpoints, networkEndpoints } from "./endpoints/named-records.js";
import { checkPathNames } from "./endpoints/names.js";
import { operationEndpoints } from "./endpoints/operations.js";
import { HttpError, httpErrorOf } from "./http-error.js";
import { HEALTH_PATH, HttpMetrics, METRICS_PATH, READY_PATH, readiness } from "./observability.js";
import { Router } from "./router.js";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  bus: Bus;
  authenticator: Authenticator | AuthGate;
  logger: Logger;
  /** PEM certificate and key: HTTPS when given; with `ca`, client certificates are asked for. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  /** `/metrics` asks for credentials like the API does (default: served to anyone). */
  metricsRequireAuth?: boolean;
}

export class CommissaireServer {
  private readonly router = new Router();
  private readonly server: Server;
  private readonly gate: AuthGate;
  /** The server's Prometheus figures: HTTP requests, and the bus's counters. */
  readonly metrics: ServiceMetrics;
  private readonly http: HttpMetrics;
  /** Requests being answered now. */
  inFlight = 0;

  constructor(private readonly options: ServerOptions) {
    this.gate = gateOf(options.authenticator);
    this.metrics = new ServiceMetrics({
      service: "server",
      counters: () => options.bus.counters,
      inFlight: () => this.inFlight,
      figures: () => ({}),
    });
    this.http = new HttpMetrics(this.metrics.registry);
    // Its /metrics is always exposed: the process's own figures (memory, CPU, event loop) too.
    collectDefaultMetrics({ register: this.metrics.registry });
    const storage = new StorageClient(options.bus);
    indexEndpoint(this.router);
    clusterEndpoints(this.router, storage, options.bus);
    operationEndpoints(this.router, storage, options.bus);
    hostEndpoints(this.router, storage, options.bus, options.logger);
    networkEndpoints(this.router, storage);
    containerManagerEndpoints(this.router, storage);
    containerNodeEndpoints(this.router, options.bus);
    const handle = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = options.tls
      ? createHttpsServer(httpsOptions(options.tls), handle)
      : createHttpServer(handle);
  }

  get secure(): boolean {
    return this.options.tls !== undefined;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /**
   * Stops accepting and lets requests in progress finish (up to timeoutMs). The bus stays open:
   * it belongs to whoever handed it in.
   */
  async close(timeoutMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), timeoutMs);
    await closed;
    clearTimeout(timer);
  }

  /**
   * The body as JSON. A body over the limit is read to its end and thrown away (up to 16x the
   * limit; past that the connection is cut), so the client gets its 413 instead of a reset.
   */
  private readBody(req: IncomingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        else if (size > 16 * MAX_BODY_BYTES) req.destroy();
      });
      req.on("error", reject);
      req.on("end", () => {
        if (size > MAX_BODY_BYTES)
          return reject(new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
        const text = Buffer.concat(chunks).toString("utf8");
        if (text.trim() === "") return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`));
        }
      });
    });
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const started = performance.now();
    // Every answer carries it; what a failure's body leaves out is in the log under it.
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    let status = 500;
    let user: string | null = null;
    this.inFlight += 1;
    try {
      if (await this.answerOperator(req, res, method, path)) {
        status = res.statusCode;
        return;
      }
      const verdict = await authorize(this.gate, req, path);
      user = verdict.user;
      if (verdict.user === null) {
        status = verdict.status;
        req.resume();
        this.send(
          res,
          verdict.status,
          { error: verdict.message, request_id: requestId },
          verdict.headers,
        );
        return;
      }
      const { handler, params } = this.router.match(method, path);
      checkPathNames(params);
      const body = await this.readBody(req);
      const reply = await handler({
        method,
        params,
        body,
        remoteAddress: req.socket.remoteAddress ?? "",
      });
      status = reply.status;
      this.send(res, reply.status, reply.body);
    } catch (err) {
      const error = httpErrorOf(err);
      status = error.status;
      if (status >= 500)
        this.options.logger.error(
          { err: error.detail ?? error.message, method, path, request_id: requestId },
          "request failed",
        );
      this.send(res, error.status, { error: error.message, request_id: requestId });
    } finally {
      this.inFlight -= 1;
      const seconds = (performance.now() - started) / 1000;
      this.http.observe(method, status, seconds);
      // The access log: never the query string or a header (credentials travel there).
      this.options.logger.info(
        {
          method,
          path,
          status,
          ms: Math.round(seconds * 1000),
          user,
          request_id: requestId,
          remote: req.socket.remoteAddress,
        },
        "request",
      );
    }
  }

  /**
   * `/health`, `/ready` and (unless it asks for authentication) `/metrics`: answered before any
   * authentication, so probes and scrapers need no account. True when answered.
   */
  private async answerOperator(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ): Promise<boolean> {
    if (method !== "GET" && method !== "HEAD") return false;
    if (path === HEALTH_PATH) {
      req.resume();
      this.send(res, 200, { status: "alive" });
      return true;
    }
    if (path === READY_PATH) {
      req.resume();
      const { status, body } = await readiness(this.options.bus);
      this.send(res, status, body);
      return true;
    }
    if (path !== METRICS_PATH) return false;
    if (this.options.metricsRequireAuth) {
      const verdict = await authorize(this.gate, req, path);
      if (verdict.user === null) return false;
    }
    req.resume();
    const { contentType, text } = await this.metrics.exposition();
    res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
    res.end(text);
    return true;
  }
}
