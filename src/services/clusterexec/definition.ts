/** `commissaire-clusterexec-service` and `commissaire service clusterexec`. */
import type { ServiceDefinition } from "../../service/definition.js";
import { ClusterExecService } from "./service.js";

export const clusterExecService: ServiceDefinition = {
  name: "clusterexec",
  description: "Commissaire Cluster Execution: rolling upgrade, restart and deploy of a cluster",
  create: ({ bus, config, logging }) =>
    new ClusterExecService({ bus, config, logger: logging.forComponent("clusterexec") }),
};
