/**
 * The remote layer's configuration: member `remote` of a service's configuration (seconds, as
 * everything else there). Bad values are a configuration error naming the member.
 */
import { ConfigError } from "../config/errors.js";

export interface RemoteSettings {
  /** Refuse a host whose key changed since first use. Off only on purpose: warned at start. */
  hostKeyCheck: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Connections open at once in this process. */
  maxConnections: number;
  /** Channels at once on one connection (OpenSSH allows 10 by default). */
  sessionsPerConnection: number;
}

export const DEFAULT_REMOTE_SETTINGS: RemoteSettings = {
  hostKeyCheck: true,
  connectTimeoutMs: 15_000,
  commandTimeoutMs: 600_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  maxConnections: 50,
  sessionsPerConnection: 8,
};

const SECONDS: Record<string, keyof RemoteSettings> = {
  connect_timeout: "connectTimeoutMs",
  command_timeout: "commandTimeoutMs",
  keepalive_interval: "keepaliveIntervalMs",
};
const COUNTS: Record<string, keyof RemoteSettings> = {
  keepalive_count_max: "keepaliveCountMax",
  max_connections: "maxConnections",
  sessions_per_connection: "sessionsPerConnection",
};

/** Reads configuration member `remote` (an object or absent). */
export function readRemoteSettings(remote: unknown): RemoteSettings {
  const settings: Record<string, number | boolean> = { ...DEFAULT_REMOTE_SETTINGS };
  if (remote === undefined || remote === null) return settings as unknown as RemoteSettings;
  if (typeof remote !== "object" || Array.isArray(remote))
    throw new ConfigError(`configuration member "remote" must be an object`);
  for (const [name, value] of Object.entries(remote)) {
    const where = `configuration member "remote.${name}"`;
    if (name === "host_key_check") {
      if (typeof value !== "boolean") throw new ConfigError(`${where} must be true or false`);
      settings.hostKeyCheck = value;
    } else if (SECONDS[name]) {
      if (typeof value !== "number" || !(value > 0))
        throw new ConfigError(`${where} must be a positive number of seconds`);
      settings[SECONDS[name]] = Math.round(value * 1000);
    } else if (COUNTS[name]) {
      if (!Number.isInteger(value) || (value as number) < 1)
        throw new ConfigError(`${where} must be a positive integer`);
      settings[COUNTS[name]] = value as number;
    } else throw new ConfigError(`${where} is not known`);
  }
  return settings as unknown as RemoteSettings;
}
