/** `commissaire-containermgr-service` and `commissaire service containermgr`. */
import type { ServiceDefinition } from "../../service/definition.js";
import { ContainerManagerService } from "./service.js";

export const containerManagerService: ServiceDefinition = {
  name: "containermgr",
  description:
    "Commissaire Container Manager: registers hosts as nodes of Kubernetes and OpenShift clusters",
  create: ({ bus, config, logging }) =>
    new ContainerManagerService({ bus, config, logger: logging.forComponent("containermgr") }),
};
