/** HTTP(S) requests for the authentication tests: client certificates, a chosen loopback source address. */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface AuthReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface AuthCallOptions {
  headers?: Record<string, string>;
  method?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The source address (another loopback address, 127.0.0.2, stands for another client). */
  localAddress?: string;
}

export function authCall(url: string, options: AuthCallOptions = {}): Promise<AuthReply> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
