/** The configuration object at etcd key `/commissaire/config/<name>` (etcd v3 API). */
import { EtcdClient } from "./etcd-client.js";
import type { EtcdEnvSettings } from "./etcd-env.js";
import { parseConfigText } from "./file-source.js";
import type { ConfigObject } from "./normalise.js";

export function configKey(serviceName: string): string {
  return `/commissaire/config/${serviceName}`;
}

export type EtcdConfigResult =
  | { ok: true; config: ConfigObject; endpoint: string }
  | { ok: false; reason: string };

/**
 * Reads the key, trying every host of ETCD_MACHINES in turn. Never
 * throws: whatever goes wrong becomes a reason the caller reports before falling back to the file.
 * The reason never contains the password.
 */
export async function readEtcdConfig(
  serviceName: string,
  settings: EtcdEnvSettings,
  timeoutMs = 8000,
): Promise<EtcdConfigResult> {
  const key = configKey(serviceName);
  let client: EtcdClient | null = null;
  try {
    client = new EtcdClient(settings, { timeoutMs });
    const text = await client.get(key);
    if (text === null) return { ok: false, reason: `etcd key ${key} does not exist` };
    return {
      ok: true,
      config: parseConfigText(text, `etcd key ${key}`),
      endpoint: settings.hosts.join(","),
    };
  } catch (err) {
    let reason = (err as Error).message;
    if (settings.password) reason = reason.split(settings.password).join("***");
    return { ok: false, reason: `etcd (${settings.hosts.join(",")}) key ${key}: ${reason}` };
  } finally {
    client?.close();
  }
}
