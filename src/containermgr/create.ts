/** Builds the container manager a ContainerManagerConfig describes, by its type. */
import type { Logger } from "../base/logger.js";
import { ConfigError } from "../config/errors.js";
import type { ContainerManagerConfig } from "../models/index.js";
import type { ContainerManager } from "./manager.js";
import { TrivialManager } from "./trivial.js";

/**
 * ConfigError naming the manager and the problem (never an option's value). The Kubernetes client
 * library takes over a second to load: it is loaded when the first such manager is built, so the
 * CLI and the services that never need it start without it.
 */
export async function createManager(
  config: ContainerManagerConfig,
  logger: Logger,
): Promise<ContainerManager> {
  try {
    switch (config.type) {
      case "trivial":
        return new TrivialManager(config.name);
      case "kubernetes":
      case "openshift": {
        const { KubernetesManager } = await import("./kubernetes.js");
        return new KubernetesManager(config.name, config.type, config.options, logger);
      }
      default:
        throw new ConfigError(`unknown type "${String(config.type)}"`);
    }
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError(`container manager "${config.name}" (${config.type}): ${err.message}`);
    throw err;
  }
}
