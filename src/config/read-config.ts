/**
 * readConfig: a service's configuration from etcd (when ETCD_MACHINES is set) or its file, by the
 * seed's rules (DESIGN.md "Configuration"). Says on stderr which source it used.
 */
import { ConfigError } from "./errors.js";
import { etcdSettingsFromEnv } from "./etcd-env.js";
import { readEtcdConfig } from "./etcd-source.js";
import { defaultConfigPath, readConfigFile } from "./file-source.js";
import { type ConfigObject, normaliseConfig } from "./normalise.js";

export interface ReadConfigOptions {
  /** -c / --config-file; "-" reads standard input. Absent: /etc/commissaire/<name>.conf. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
  /** Where to say which source was used (default: process.stderr). */
  report?: (line: string) => void;
  etcdTimeoutMs?: number;
}

export interface ReadConfigResult {
  config: ConfigObject;
  /** "etcd key /commissaire/config/x", "file /etc/...", "standard input" or "defaults". */
  source: string;
}

export async function readConfig(
  serviceName: string,
  options: ReadConfigOptions = {},
): Promise<ReadConfigResult> {
  if (!/^[A-Za-z0-9_.-]+$/.test(serviceName))
    throw new ConfigError(`invalid service name "${serviceName}"`);
  const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const etcd = etcdSettingsFromEnv(options.env ?? process.env);
  if (etcd) {
    const result = await readEtcdConfig(serviceName, etcd, options.etcdTimeoutMs);
    if (result.ok) {
      const source = `etcd key /commissaire/config/${serviceName} (${result.endpoint})`;
      report(`${serviceName}: configuration from ${source}`);
      return { config: normaliseConfig(result.config), source };
    }
    report(
      `${serviceName}: no usable configuration in etcd (${result.reason}); falling back to the file`,
    );
  }
  const explicit = options.configFile !== undefined;
  const path = options.configFile ?? defaultConfigPath(serviceName);
  const fileOptions = options.stdin ? { explicit, stdin: options.stdin } : { explicit };
  const config = await readConfigFile(path, fileOptions);
  if (config === null) {
    report(`${serviceName}: ${path} does not exist; using the built-in defaults`);
    return { config: {}, source: "defaults" };
  }
  const source = path === "-" ? "standard input" : `file ${path}`;
  report(`${serviceName}: configuration from ${source}`);
  return { config: normaliseConfig(config), source };
}
