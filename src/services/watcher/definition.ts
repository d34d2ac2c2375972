/** `commissaire-watcher-service` and `commissaire service watcher`. */
import type { ServiceDefinition } from "../../service/definition.js";
import { WatcherService } from "./service.js";

export const watcherService: ServiceDefinition = {
  name: "watcher",
  description: "Commissaire Watcher: checks every host once per interval and records failures",
  create: ({ bus, config, logging }) =>
    new WatcherService({ bus, config, logger: logging.forComponent("watcher") }),
};
