/** The services `commissaire service <name>` can run. */
import type { ServiceDefinition } from "../service/definition.js";
import { clusterExecService } from "./clusterexec/definition.js";
import { containerManagerService } from "./containermgr/definition.js";
import { exampleService } from "./example/service.js";
import { investigatorService } from "./investigator/definition.js";
import { storageService } from "./storage/definition.js";
import { watcherService } from "./watcher/definition.js";

export const builtinServices: Record<string, ServiceDefinition> = {
  [clusterExecService.name]: clusterExecService,
  [containerManagerService.name]: containerManagerService,
  [exampleService.name]: exampleService,
  [investigatorService.name]: investigatorService,
  [storageService.name]: storageService,
  [watcherService.name]: watcherService,
};
