/** `commissaire-investigator-service` and `commissaire service investigator`. */
import type { ServiceDefinition } from "../../service/definition.js";
import { InvestigatorService } from "./service.js";

export const investigatorService: ServiceDefinition = {
  name: "investigator",
  description:
    "Commissaire Investigator: examines, bootstraps and registers new hosts, each to a final status",
  create: ({ bus, config, logging }) =>
    new InvestigatorService({ bus, config, logger: logging.forComponent("investigator") }),
};
