/** `commissaire-watcher-service` and `commissaire service watcher`. */
import { SshPool } from "../../remote/pool.js";
import { readRemoteSettings } from "../../remote/settings.js";
import type { ServiceDefinition } from "../../service/definition.js";
import { WatcherService } from "./service.js";

export const watcherService: ServiceDefinition = {
  name: "watcher",
  description: "Commissaire Watcher: checks every host once per interval and records failures",
  create: ({ bus, config, logging }) => {
    const logger = logging.forComponent("watcher");
    const remote = new SshPool(readRemoteSettings(config.remote), logger);
    return new WatcherService({ bus, config, logger, remote });
  },
};
