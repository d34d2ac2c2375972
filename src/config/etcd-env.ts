/**
 * etcd connection settings from the seed's environment variables (ETCD_MACHINES, ETCD_TLSPEM,
 * ETCD_TLSKEY, ETCD_CACERT, ETCD_USERNAME, ETCD_PASSWORD), for EtcdClient.
 */

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
