/**
 * The `custodia` store handler: secrets in Custodia, through its HTTP API on a Unix socket
 * (option `custodia_socket_path`, default /var/run/custodia/custodia.sock), as the original
 * Commissaire did: container `/secrets/<model container>/`, key = the model's primary key, the
 * record as the raw (application/octet-stream) value, user named in the REMOTE_USER header.
 * Custodia refuses a PUT over an existing key (409), so an update is a DELETE then a PUT.
 */
import { request } from "node:http";
import type { ModelType } from "../../models/index.js";
import {
  type HandlerContext,
  type PlainStoreHandler,
  type StoredRecord,
  StoreUnavailableError,
} from "../handler.js";

export const DEFAULT_CUSTODIA_SOCKET = "/var/run/custodia/custodia.sock";
const TIMEOUT_MS = 5000;

interface Reply {
  status: number;
  body: string;
}

/** The container of a secret model: HostCreds -> hosts (what the original used). */
function containerOf(type: ModelType): string {
  return type.name === "HostCreds" ? "hosts" : type.name.toLowerCase();
}

export class CustodiaStoreHandler implements PlainStoreHandler {
  static readonly secret = true;
  readonly type = "custodia";
  readonly secret = true;
  readonly name: string;
  readonly socketPath: string;
  private readonly user: string;

  constructor(context: HandlerContext) {
    this.name = context.name;
    const path = context.options.custodia_socket_path ?? context.options.socket_path;
    this.socketPath = typeof path === "string" && path !== "" ? path : DEFAULT_CUSTODIA_SOCKET;
    this.user =
      typeof context.options.remote_user === "string" ? context.options.remote_user : "commissaire";
  }

  private call(
    method: string,
    path: string,
    body?: string,
    accept = "application/octet-stream",
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { REMOTE_USER: this.user, Accept: accept };
      if (body !== undefined) {
        headers["Content-Type"] = "application/octet-stream";
        headers["Content-Length"] = Buffer.byteLength(body);
      }
      const req = request(
        { socketPath: this.socketPath, path, method, headers, timeout: TIMEOUT_MS },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on("error", (err) =>
        reject(new StoreUnavailableError(this.name, `reach Custodia at ${this.socketPath}`, err)),
      );
      req.end(body);
    });
  }

  private expect(reply: Reply, ok: number[], action: string): void {
    if (!ok.includes(reply.status)) {
      throw new StoreUnavailableError(
        this.name,
        action,
        new Error(`Custodia answered HTTP ${reply.status}`),
      );
    }
  }

  private keyPath(type: ModelType, key: string): string {
    // "." and ".." would name the container or its parent: encode their dots.
    return `/secrets/${containerOf(type)}/${encodeURIComponent(key).replace(/^\.+$/, (d) => "%2E".repeat(d.length))}`;
  }

  /**
   * Custodia has no compare-and-swap, so a replace (DELETE then PUT) is serialised per key within
   * this process; two storage processes replacing one secret at once may both report "created".
   */
  private readonly locks = new Map<string, Promise<unknown>>();

  private serialised<T>(key: string, run: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  save(type: ModelType, key: string, record: StoredRecord): Promise<{ created: boolean }> {
    return this.serialised(`${type.name}/${key}`, () => this.saveNow(type, key, record));
  }

  private async saveNow(
    type: ModelType,
    key: string,
    record: StoredRecord,
  ): Promise<{ created: boolean }> {
    // The container may exist already (409): that is fine.
    this.expect(
      await this.call("POST", `/secrets/${containerOf(type)}/`),
      [200, 201, 409],
      "create its container",
    );
    const body = JSON.stringify(record);
    const first = await this.call("PUT", this.keyPath(type, key), body);
    if (first.status === 201 || first.status === 200) return { created: true };
    this.expect(first, [409], `store ${type.name} ${key}`);
    this.expect(
      await this.call("DELETE", this.keyPath(type, key)),
      [200, 204, 404],
      `replace ${type.name} ${key}`,
    );
    this.expect(
      await this.call("PUT", this.keyPath(type, key), body),
      [200, 201],
      `store ${type.name} ${key}`,
    );
    return { created: false };
  }

  async get(type: ModelType, key: string): Promise<StoredRecord | null> {
    const reply = await this.call("GET", this.keyPath(type, key));
    if (reply.status === 404) return null;
    this.expect(reply, [200], `read ${type.name} ${key}`);
    return JSON.parse(reply.body) as StoredRecord;
  }

  delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    return this.serialised(`${type.name}/${key}`, () => this.deleteNow(type, key));
  }

  private async deleteNow(type: ModelType, key: string): Promise<StoredRecord | null> {
    const record = await this.get(type, key);
    if (record === null) return null;
    const reply = await this.call("DELETE", this.keyPath(type, key));
    if (reply.status === 404) return null;
    this.expect(reply, [200, 204], `delete ${type.name} ${key}`);
    return record;
  }

  async list(type: ModelType): Promise<StoredRecord[]> {
    const reply = await this.call(
      "GET",
      `/secrets/${containerOf(type)}/`,
      undefined,
      "application/json",
    );
    if (reply.status === 404) return [];
    this.expect(reply, [200], `list ${type.name}`);
    const keys = JSON.parse(reply.body) as string[];
    const out: StoredRecord[] = [];
    for (const key of keys) {
      const record = await this.get(type, decodeURIComponent(key));
      if (record) out.push(record);
    }
    return out;
  }

  /** Custodia answers at all (any HTTP status): the socket is there and served. */
  async probe(): Promise<void> {
    await this.call("GET", "/secrets/");
  }

  async close(): Promise<void> {}
}
