/**
 * Reads the original Commissaire's key space from etcd's v2 HTTP API (`GET /v2/keys/<prefix>
 * ?recursive=true`): one read of the whole tree, nothing else. The v2 API is served by etcd 2.x,
 * and by etcd 3.x only when started with --enable-v2. TLS (CA, client certificate) and HTTP Basic
 * like our v3 client (src/config/etcd-client.ts); the password never appears in a message.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { ConfigError } from "../../config/errors.js";

export interface V2Settings {
  url: string;
  caPath?: string;
  certPath?: string;
  keyPath?: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

/** A leaf of the tree: a key and its value, as the original wrote it. */
export interface V2Entry {
  key: string;
  value: string;
}

export interface V2Tree {
  /** Every leaf under the prefix, in key order. */
  entries: V2Entry[];
  /** The body etcd answered, unchanged (tests compare it before and after a migration). */
  raw: string;
}

/** The source cannot be read: unreachable, not a v2 API, refused. Nothing was written. */
export class V2SourceError extends Error {
  override name = "V2SourceError";
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${what} ${path}: cannot be read: ${(err as Error).message}`);
  }
}

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function get(settings: V2Settings, url: URL): Promise<Reply> {
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:")
    throw new ConfigError(`--from ${settings.url}: expected an http:// or https:// URL`);
  if (Boolean(settings.certPath) !== Boolean(settings.keyPath))
    throw new ConfigError("a client certificate and its key must be given together");
  const headers: Record<string, string> = { accept: "application/json" };
  if (settings.username !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password ?? ""}`).toString("base64")}`;
  const tls = secure
    ? {
        ...(settings.caPath ? { ca: readPem(settings.caPath, "CA file") } : {}),
        ...(settings.certPath ? { cert: readPem(settings.certPath, "certificate") } : {}),
        ...(settings.keyPath ? { key: readPem(settings.keyPath, "key") } : {}),
      }
    : {};
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: "GET",
      headers,
      timeout: settings.timeoutMs ?? 10_000,
      ...tls,
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer in time")));
    req.on("error", reject);
    req.end();
  });
}

interface V2Node {
  key?: unknown;
  value?: unknown;
  dir?: unknown;
  nodes?: unknown;
}

function collect(node: V2Node, out: V2Entry[]): void {
  if (node.dir === true) {
    for (const child of Array.isArray(node.nodes) ? node.nodes : [])
      if (typeof child === "object" && child !== null) collect(child as V2Node, out);
  } else if (typeof node.key === "string" && typeof node.value === "string") {
    out.push({ key: node.key, value: node.value });
  }
}

/** Where the URL points, without any user or password in it. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** Every leaf under `prefix` (default /commissaire); an absent prefix is an empty tree. */
export async function readV2Tree(settings: V2Settings, prefix = "/commissaire"): Promise<V2Tree> {
  let base: URL;
  try {
    base = new URL(settings.url);
  } catch {
    throw new ConfigError(`--from "${settings.url}" is not a URL`);
  }
  if (base.username !== "" || base.password !== "")
    throw new ConfigError(
      "--from: give the user with --from-user and the password in COMMISSAIRE_FROM_PASSWORD, not in the URL (the command line is visible to other users of the machine)",
    );
  const where = describeUrl(settings.url);
  const url = new URL(`${base.pathname.replace(/\/$/, "")}/v2/keys${prefix}`, base);
  url.search = "recursive=true&sorted=true";
  let reply: Reply;
  try {
    reply = await get(settings, url);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new V2SourceError(`cannot reach ${where}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    parsed = undefined;
  }
  if (reply.status === 401 || reply.status === 403)
    throw new V2SourceError(
      `${where} refused the read (HTTP ${reply.status}): check the user and password, or the client certificate`,
    );
  const isV2 = reply.headers["x-etcd-index"] !== undefined && typeof parsed === "object";
  if (!isV2 || parsed === null) {
    throw new V2SourceError(
      `${where} does not answer the etcd v2 API (GET /v2/keys: HTTP ${reply.status}); an etcd 3.x serves it only when started with --enable-v2`,
    );
  }
  const body = parsed as { errorCode?: unknown; message?: unknown; node?: unknown };
  if (reply.status === 404 && body.errorCode === 100) return { entries: [], raw: reply.body };
  if (reply.status !== 200 || typeof body.node !== "object" || body.node === null)
    throw new V2SourceError(
      `${where} answered HTTP ${reply.status}: ${typeof body.message === "string" ? body.message : "no tree"}`,
    );
  const entries: V2Entry[] = [];
  collect(body.node as V2Node, entries);
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { entries, raw: reply.body };
}
