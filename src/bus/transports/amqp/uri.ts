/** Reading an amqp:// or amqps:// bus URI: vhost, credentials, heartbeat, TLS files. */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

export interface ParsedAmqpUri {
  /** The URI for amqplib, without our own query parameters (heartbeat defaults to 10 s). */
  url: string;
  tls?: ConnectionOptions;
}

/** Seconds between heartbeats unless the URI says otherwise: a dead peer is noticed within ~20 s. */
const DEFAULT_HEARTBEAT_S = 10;

/**
 * Reads an AMQP URI as kombu does: `amqp://user:password@host:port/vhost` (the vhost
 * percent-encoded; `/` when the path is empty), `?heartbeat=seconds`, and for amqps:// the same
 * TLS options as rediss:// (`ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`, `ssl_cert_reqs=none`).
 * Files are read here so that a bad path fails at start-up.
 */
export function parseAmqpUri(uri: string): ParsedAmqpUri {
  const parsed = new URL(uri);
  if (parsed.protocol !== "amqp:" && parsed.protocol !== "amqps:")
    throw new Error(`bus URI: not an AMQP URI (${parsed.protocol})`);
  if (!parsed.hostname) throw new Error("bus URI: no host");
  const take = (name: string): string | null => {
    const value = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    return value;
  };
  const ca = take("ssl_ca_certs");
  const cert = take("ssl_certfile");
  const key = take("ssl_keyfile");
  const reqs = take("ssl_cert_reqs");
  const heartbeat = parsed.searchParams.get("heartbeat");
  if (heartbeat === null) parsed.searchParams.set("heartbeat", String(DEFAULT_HEARTBEAT_S));
  else if (!/^\d+$/.test(heartbeat))
    throw new Error(`bus URI: heartbeat must be a whole number of seconds, got "${heartbeat}"`);
  const out: ParsedAmqpUri = { url: parsed.toString() };
  if (parsed.protocol === "amqps:") {
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
    throw new Error("bus URI: ssl_* options need the amqps:// scheme");
  }
  return out;
}
