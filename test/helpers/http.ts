/** Calls the REST API over real HTTP(S) and returns status, headers and parsed body. */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

export function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; authorization?: string; ca?: Buffer } = {},
): Promise<HttpReply> {
  const url = new URL(path, base);
  const text =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (options.authorization) headers.authorization = options.authorization;
    if (text !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(text);
    }
    const req = request(
      url,
      { method, headers, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (data += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data ? JSON.parse(data) : undefined,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
