/** One JSON request to an identity endpoint (TokenReview, Keystone), with a CA and a deadline. */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface JsonReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface JsonRequestOptions {
  method?: "GET" | "POST";
  body?: unknown;
  headers?: Record<string, string>;
  /** PEM CA certificates to trust for an https URL (default: the system's). */
  ca?: Buffer;
  timeoutMs?: number;
}

const MAX_REPLY = 1024 * 1024;

export function requestJson(url: string, options: JsonRequestOptions = {}): Promise<JsonReply> {
  const target = new URL(url);
  const text = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (text !== undefined) headers["content-type"] = "application/json";
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? (text === undefined ? "GET" : "POST"),
        headers,
        timeout: options.timeoutMs ?? 5000,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY)
            req.destroy(new Error(`${url}: reply larger than ${MAX_REPLY} bytes`));
          else chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          let body: unknown = raw;
          try {
            body = raw === "" ? undefined : JSON.parse(raw);
          } catch {
            // Not JSON: the caller gets the text.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer in time`)));
    req.on("error", reject);
    req.end(text);
  });
}
