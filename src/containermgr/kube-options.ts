/**
 * The options of a `kubernetes` or `openshift` ContainerManagerConfig, checked before any client
 * is built. TLS is always verified: the only choice is which CA to trust (the system's, or one
 * given), and an option that would turn verification off is refused, not ignored.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/errors.js";

export interface KubeOptions {
  serverUrl: URL;
  token?: string;
  /** PEM client certificate and key (both or neither). */
  clientCert?: string;
  clientKey?: string;
  /** PEM CA bundle to trust instead of the system's. */
  ca?: string;
  timeoutMs: number;
  /** Attempts after the first for transient failures (connection reset, 429, 5xx). */
  retries: number;
  /** First backoff; doubled on each retry, with jitter. */
  retryBackoffMs: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_BACKOFF_MS = 250;

const KNOWN = new Set([
  "server_url",
  "token",
  "client_cert",
  "client_key",
  "certificate_path",
  "certificate_key_path",
  "ca_cert",
  "certificate_ca_path",
  "timeout_seconds",
  "retries",
  "retry_backoff_ms",
]);

/** Options that would skip certificate checks somewhere else: refused by name. */
const NO_VERIFY = /insecure|skip_?tls|tls_?verify|^verify|ssl_?verify|reject_?unauthorized/i;

function text(options: Record<string, unknown>, name: string): string | undefined {
  const v = options[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new ConfigError(`option "${name}" must be a string`);
  return v;
}

/** Inline PEM, or the content of a file: never both. */
function pem(options: Record<string, unknown>, inline: string, path: string): string | undefined {
  const given = text(options, inline);
  const file = text(options, path);
  if (given !== undefined && file !== undefined)
    throw new ConfigError(`give "${inline}" or "${path}", not both`);
  if (file === undefined) return given;
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`option "${path}": ${file} cannot be read: ${(err as Error).message}`);
  }
}

function number(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
): number {
  const v = options[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min)
    throw new ConfigError(`option "${name}" must be a number of at least ${min}`);
  return v;
}

/** The checked options; ConfigError names the first problem (never a secret's value). */
export function parseKubeOptions(options: Record<string, unknown>): KubeOptions {
  for (const name of Object.keys(options)) {
    if (NO_VERIFY.test(name))
      throw new ConfigError(
        `option "${name}": TLS verification cannot be turned off; give the cluster's CA with "ca_cert" or "certificate_ca_path"`,
      );
    if (!KNOWN.has(name))
      throw new ConfigError(`unknown option "${name}" (known: ${[...KNOWN].join(", ")})`);
  }
  const raw = text(options, "server_url");
  if (raw === undefined) throw new ConfigError(`option "server_url" is required`);
  let serverUrl: URL;
  try {
    serverUrl = new URL(raw);
  } catch {
    throw new ConfigError(`option "server_url" is not a URL`);
  }
  if (serverUrl.protocol !== "https:")
    throw new ConfigError(
      `option "server_url" must be an https:// URL (got ${serverUrl.protocol})`,
    );
  if (serverUrl.username || serverUrl.password)
    throw new ConfigError(`option "server_url" must not hold credentials; use "token"`);

  const clientCert = pem(options, "client_cert", "certificate_path");
  const clientKey = pem(options, "client_key", "certificate_key_path");
  if ((clientCert === undefined) !== (clientKey === undefined))
    throw new ConfigError("a client certificate needs both its certificate and its key");
  const out: KubeOptions = {
    serverUrl,
    timeoutMs: number(options, "timeout_seconds", DEFAULT_TIMEOUT_MS / 1000, 0.001) * 1000,
    retries: Math.floor(number(options, "retries", DEFAULT_RETRIES, 0)),
    retryBackoffMs: number(options, "retry_backoff_ms", DEFAULT_RETRY_BACKOFF_MS, 0),
  };
  const token = text(options, "token");
  if (token !== undefined) out.token = token;
  if (clientCert !== undefined && clientKey !== undefined) {
    out.clientCert = clientCert;
    out.clientKey = clientKey;
  }
  const ca = pem(options, "ca_cert", "certificate_ca_path");
  if (ca !== undefined) out.ca = ca;
  return out;
}
