/** The REST API from the operator's side: JSON in and out, errors with their HTTP status. */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ClientSettings } from "./settings.js";

export class HttpFailure extends Error {
  override name = "HttpFailure";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all. */
export class Unreachable extends Error {
  override name = "Unreachable";
}

export class RestClient {
  private readonly authorization: string | undefined;
  private readonly ca: Buffer | undefined;

  constructor(private readonly settings: ClientSettings) {
    if (settings.token) this.authorization = `Bearer ${settings.token}`;
    else if (settings.username !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${settings.username}:${settings.password ?? ""}`).toString("base64")}`;
    }
    this.ca = settings.caFile ? readFileSync(settings.caFile) : undefined;
  }

  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(
      path,
      this.settings.server.endsWith("/") ? this.settings.server : `${this.settings.server}/`,
    );
    const text = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = { accept: "application/json" };
    if (this.authorization) headers.authorization = this.authorization;
    if (text !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(text);
    }
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method, headers, timeout: 30_000, ...(this.ca ? { ca: this.ca } : {}) },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (data += c));
          res.on("end", () => {
            let parsed: unknown;
            try {
              parsed = data ? JSON.parse(data) : undefined;
            } catch {
              parsed = data;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(parsed as T);
            else reject(new HttpFailure(status, errorText(parsed) ?? `HTTP ${status}`));
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
      req.on("error", (err) =>
        reject(new Unreachable(`cannot reach ${url.origin}: ${err.message}`)),
      );
      req.end(text);
    });
  }
}

/** The server's `{"error": "..."}` reason, when the body has one. */
function errorText(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  return typeof error === "string" ? error : undefined;
}
