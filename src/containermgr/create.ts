/** Builds the container manager a ContainerManagerConfig describes, by its type. */
import type { Logger } from "../base/logger.js";
import { ConfigError } from "../config/errors.js";
import type { ContainerManagerConfig } from "../models/index.js";
import { KubernetesManager } from "./kubernetes.js";
import type { ContainerManager } from "./manager.js";
import { TrivialManager } from "./trivial.js";

/** ConfigError naming the manager and the problem (never an option's value). */
export function createManager(config: ContainerManagerConfig, logger: Logger): ContainerManager {
  try {
    switch (config.type) {
      case "trivial":
        return new TrivialManager(config.name);
      case "kubernetes":
      case "openshift":
        return new KubernetesManager(config.name, config.type, config.options, logger);
      default:
        throw new ConfigError(`unknown type "${String(config.type)}"`);
    }
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError(`container manager "${config.name}" (${config.type}): ${err.message}`);
    throw err;
  }
}
