/**
 * The storage service built from a configuration: store handlers from `storage_handlers`, then the
 * service. The one way it is assembled (binary, all-in-one mode, testing helpers, tests).
 */
import type { Logger } from "../../base/logger.js";
import type { Bus } from "../../bus/bus.js";
import { modelTypes } from "../../models/index.js";
import type { ServiceDefinition } from "../../service/definition.js";
import type { StoreHandler } from "../../storage/handler.js";
import { createHandlers, defineHandlers, storableFrom } from "../../storage/handler-registry.js";
import { StorageService } from "./service.js";

/** Model types a store holds: those with a primary key (not lists, not computed types). */
export function storedModelNames(): string[] {
  return [...modelTypes.values()].filter((t) => t.primaryKey && !t.list).map((t) => t.name);
}

export interface StorageServiceSetup {
  bus: Bus;
  /** The storage configuration (`storage_handlers`, `custodia_socket_path`, ...). */
  config: Record<string, unknown>;
  logger?: Logger;
  /** Where ETCD_* defaults for the etcd handler come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface BuiltStorage {
  service: StorageService;
  /** The service's handlers by name (it closes them when it stops). */
  handlers: ReadonlyMap<string, StoreHandler>;
}

/** Validates the handler configuration (ConfigError naming the handler) and builds the service. */
export async function createStorageService(setup: StorageServiceSetup): Promise<BuiltStorage> {
  const definitions = await defineHandlers(
    setup.config,
    storableFrom(modelTypes.values(), storedModelNames()),
  );
  const handlers = createHandlers(definitions, setup.env ?? process.env);
  const logger = setup.logger ?? setup.bus.logger;
  logger.info(
    { handlers: definitions.map((d) => ({ name: d.name, type: d.type, models: d.models })) },
    "store handlers configured",
  );
  const service = new StorageService({
    bus: setup.bus,
    config: setup.config,
    logger,
    handlers,
    definitions,
  });
  return { service, handlers };
}

export const storageService: ServiceDefinition = {
  name: "storage",
  description:
    "Commissaire Storage: stores models through store handlers and publishes storage notifications",
  async create({ bus, config, logging }) {
    const built = await createStorageService({
      bus,
      config,
      logger: logging.forComponent("storage"),
    });
    return built.service;
  },
};
