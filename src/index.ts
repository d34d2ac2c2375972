/** The public API for people who write their own services. */

export type { Logger } from "./base/logger.js";
export {
  Bus,
  type BusOptions,
  DEFAULT_EXCHANGE,
  DEFAULT_TIMEOUT_MS,
  type StorageEvent,
  type Subscription,
} from "./bus/bus.js";
export * from "./bus/errors.js";
export type { Params, RequestId } from "./bus/jsonrpc.js";
export type { Delivery, QueueSpec, Transport } from "./bus/transport.js";
export { createTransport, MemoryBroker, redactUri } from "./bus/transports/index.js";
export { ConfigError } from "./config/errors.js";
export { createLogging, loggingSettings } from "./config/logging.js";
export { readConfig } from "./config/read-config.js";
export type { MessageContext } from "./service/context.js";
export type { ServiceDefinition } from "./service/definition.js";
export { serviceMain } from "./service/main.js";
export { ServiceManager } from "./service/manager.js";
export { CommissaireService, type ServiceOptions, type StopResult } from "./service/service.js";
