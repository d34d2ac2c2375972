/** Reading an amqp:// or amqps:// bus URI: vhost, credentials, heartbeat, TLS files. */
import type { ConnectionOptions } from "node:tls";
import { takeTlsOptions } from "../uri-tls.js";

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
  const tls = takeTlsOptions(parsed, "amqps");
  const heartbeat = parsed.searchParams.get("heartbeat");
  if (heartbeat === null) parsed.searchParams.set("heartbeat", String(DEFAULT_HEARTBEAT_S));
  else if (!/^\d+$/.test(heartbeat))
    throw new Error(`bus URI: heartbeat must be a whole number of seconds, got "${heartbeat}"`);
  return tls ? { url: parsed.toString(), tls } : { url: parsed.toString() };
}
