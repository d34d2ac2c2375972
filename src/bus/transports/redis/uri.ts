/** Reading a redis:// or rediss:// bus URI: our query parameters, TLS files. */
import type { ConnectionOptions } from "node:tls";
import { takeTlsOptions } from "../uri-tls.js";

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
  const tls = takeTlsOptions(parsed, "rediss");
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
  if (tls) out.tls = tls;
  return out;
}
