/** The storage service as the command line runs it: handlers from the configuration, then the service. */
import { modelTypes } from "../../models/index.js";
import type { ServiceDefinition } from "../../service/definition.js";
import { createHandlers, defineHandlers, storableFrom } from "../../storage/handler-registry.js";
import { StorageService } from "./service.js";

/** Model types a store holds: those with a primary key (not lists, not computed types). */
export function storedModelNames(): string[] {
  return [...modelTypes.values()].filter((t) => t.primaryKey && !t.list).map((t) => t.name);
}

export const storageService: ServiceDefinition = {
  name: "storage",
  description:
    "Commissaire Storage: stores models through store handlers and publishes storage notifications",
  async create({ bus, config, logging }) {
    const definitions = await defineHandlers(
      config,
      storableFrom(modelTypes.values(), storedModelNames()),
    );
    const handlers = createHandlers(definitions, process.env);
    const logger = logging.forComponent("storage");
    logger.info(
      { handlers: definitions.map((d) => ({ name: d.name, type: d.type, models: d.models })) },
      "store handlers configured",
    );
    return new StorageService({ bus, config, logger, handlers, definitions });
  },
};
