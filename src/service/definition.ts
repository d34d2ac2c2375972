/** How a runnable service is described to the command line: its name and how to build it. */

import type { Logger } from "../base/logger.js";
import type { Bus } from "../bus/bus.js";
import type { Logging } from "../config/logging.js";
import type { ConfigObject } from "../config/normalise.js";
import type { CommissaireService } from "./service.js";

export interface ServiceBuildContext {
  bus: Bus;
  config: ConfigObject;
  logger: Logger;
  logging: Logging;
}

export interface ServiceDefinition {
  /** Configuration name and default queue ("storage" -> /etc/commissaire/storage.conf). */
  name: string;
  description: string;
  create(context: ServiceBuildContext): CommissaireService | Promise<CommissaireService>;
}
