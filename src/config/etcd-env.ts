/**
 * etcd connection settings from the seed's environment variables (ETCD_MACHINES, ETCD_TLSPEM,
 * ETCD_TLSKEY, ETCD_CACERT, ETCD_USERNAME, ETCD_PASSWORD), as options for the etcd3 client.
 */
import { readFileSync } from "node:fs";
import type { IOptions } from "etcd3";
import { ConfigError } from "./errors.js";

export interface EtcdEnvSettings {
  hosts: string[];
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  username?: string;
  password?: string;
}

/** The settings, or null when ETCD_MACHINES is not set (or empty). */
export function etcdSettingsFromEnv(env: NodeJS.ProcessEnv): EtcdEnvSettings | null {
  const machines = (env.ETCD_MACHINES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (machines.length === 0) return null;
  const settings: EtcdEnvSettings = { hosts: machines };
  if (env.ETCD_TLSPEM) settings.certPath = env.ETCD_TLSPEM;
  if (env.ETCD_TLSKEY) settings.keyPath = env.ETCD_TLSKEY;
  if (env.ETCD_CACERT) settings.caPath = env.ETCD_CACERT;
  if (env.ETCD_USERNAME) settings.username = env.ETCD_USERNAME;
  if (env.ETCD_PASSWORD !== undefined) settings.password = env.ETCD_PASSWORD;
  return settings;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${variable}=${path}: cannot be read: ${(err as Error).message}`);
  }
}

/** etcd3 client options for the settings: client certificate, CA, user and password. */
export function etcdClientOptions(settings: EtcdEnvSettings, dialTimeoutMs = 3000): IOptions {
  if (Boolean(settings.certPath) !== Boolean(settings.keyPath)) {
    throw new ConfigError(
      "ETCD_TLSPEM and ETCD_TLSKEY must be given together (client certificate and its key)",
    );
  }
  if (settings.username && settings.password === undefined) {
    throw new ConfigError("ETCD_USERNAME is set but ETCD_PASSWORD is not");
  }
  const options: IOptions = { hosts: settings.hosts, dialTimeout: dialTimeoutMs };
  if (settings.certPath || settings.caPath) {
    options.credentials = {
      // Without ETCD_CACERT, gRPC verifies the server against the system's CAs.
      rootCertificate: settings.caPath
        ? readPem(settings.caPath, "ETCD_CACERT")
        : (undefined as unknown as Buffer),
      ...(settings.keyPath ? { privateKey: readPem(settings.keyPath, "ETCD_TLSKEY") } : {}),
      ...(settings.certPath ? { certChain: readPem(settings.certPath, "ETCD_TLSPEM") } : {}),
    };
  }
  if (settings.username)
    options.auth = { username: settings.username, password: settings.password ?? "" };
  return options;
}
