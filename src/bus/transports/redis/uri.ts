/** Reading a redis:// or rediss:// bus URI: our query parameters, TLS files. */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

export interface ParsedRedisUri {
  /** The URI for ioredis, without our own query parameters. */
  url: string;
  visibilityTimeoutMs?: number;
  tls?: ConnectionOptions;
}

/**
 * Reads our query parameters off a redis:// or rediss:// URI: `visibility_timeout` (seconds,
 * kombu's transport option name), and for TLS redis-py's `ssl_ca_certs`, `ssl_certfile`,
 * `ssl_keyfile` and `ssl_cert_reqs=none`. Files are read here so a bad path fails at start-up.
 */
export function parseRedisUri(uri: string): ParsedRedisUri {
  const parsed = new URL(uri);
  const take = (name: string): string | null => {
    const value = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    return value;
  };
  const vt = take("visibility_timeout");
  const ca = take("ssl_ca_certs");
  const cert = take("ssl_certfile");
  const key = take("ssl_keyfile");
  const reqs = take("ssl_cert_reqs");
  const out: ParsedRedisUri = { url: parsed.toString() };
  if (vt !== null) {
    const seconds = Number(vt);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(
        `bus URI: visibility_timeout must be a positive number of seconds, got "${vt}"`,
      );
    }
    out.visibilityTimeoutMs = seconds * 1000;
  }
  if (parsed.protocol === "rediss:") {
    const file = (path: string, what: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`bus URI: ${what}=${path}: cannot be read: ${(err as Error).message}`);
      }
    };
    const tls: ConnectionOptions = {};
    if (ca) tls.ca = file(ca, "ssl_ca_certs");
    if (cert) tls.cert = file(cert, "ssl_certfile");
    if (key) tls.key = file(key, "ssl_keyfile");
    if (reqs !== null && ["none", "cert_none"].includes(reqs.toLowerCase()))
      tls.rejectUnauthorized = false;
    out.tls = tls;
  } else if (ca || cert || key || reqs) {
    throw new Error("bus URI: ssl_* options need the rediss:// scheme");
  }
  return out;
}
