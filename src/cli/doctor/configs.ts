/**
 * The configuration files doctor looks at: one per service binary under the configuration
 * directory, each read the way the service reads it (JSON object, member names normalised), and
 * checked with the service's own settings readers where they exist, so a bad value is named here
 * instead of at the service's next start.
 */
import { join } from "node:path";
import { ConfigError } from "../../config/errors.js";
import { readConfigFile } from "../../config/file-source.js";
import { type ConfigObject, normaliseConfig } from "../../config/normalise.js";
import { modelTypes } from "../../models/index.js";
import { readRemoteSettings } from "../../remote/settings.js";
import { readVerifySettings } from "../../services/clusterexec/settings.js";
import { storedModelNames } from "../../services/storage/definition.js";
import { readWatcherSettings } from "../../services/watcher/settings.js";
import { defineHandlers, storableFrom } from "../../storage/handler-registry.js";
import { type Finding, ok, problem } from "./finding.js";

/** Configuration names of the service binaries (the REST server's is `commissaire`). */
export const SERVICE_CONFIGS = [
  "storage",
  "containermgr",
  "investigator",
  "clusterexec",
  "watcher",
  "commissaire",
] as const;

const settingsCheck: Record<string, (config: ConfigObject) => Promise<unknown> | unknown> = {
  storage: (c) => defineHandlers(c, storableFrom(modelTypes.values(), storedModelNames())),
  investigator: (c) => readRemoteSettings(c.remote),
  clusterexec: (c) => [readRemoteSettings(c.remote), readVerifySettings(c)],
  watcher: (c) => [readRemoteSettings(c.remote), readWatcherSettings(c)],
};

export interface LoadedConfigs {
  /** Configuration by service name, for the files that exist and parse. */
  configs: Map<string, ConfigObject>;
  findings: Finding[];
}

export async function loadConfigs(dir: string): Promise<LoadedConfigs> {
  const configs = new Map<string, ConfigObject>();
  const findings: Finding[] = [];
  for (const name of SERVICE_CONFIGS) {
    const path = join(dir, `${name}.conf`);
    const subject = `configuration ${path}`;
    try {
      const raw = await readConfigFile(path, { explicit: false });
      if (raw === null) {
        findings.push(ok(subject, "not present: the service runs on its defaults"));
        continue;
      }
      const config = normaliseConfig(raw);
      await settingsCheck[name]?.(config);
      configs.set(name, config);
      findings.push(ok(subject, "parses, and its settings are valid"));
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : (err as Error).message;
      findings.push(problem(subject, message.replace(`configuration file ${path}: `, "")));
    }
  }
  return { configs, findings };
}
