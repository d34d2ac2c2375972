/**
 * The public API (`import { ... } from "commissaire-ts"`) for people who write their own services;
 * testing helpers are in "commissaire-ts/testing".
 */

// The zod that handler schemas are made with (withParams needs this very copy and version).
export { z } from "zod";
export type { Logger } from "./base/logger.js";
export {
  Bus,
  type BusOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_EXCHANGE,
  DEFAULT_TIMEOUT_MS,
  type RequestOptions,
  type StorageEvent,
  type Subscriber,
  type SubscriberCallback,
  type Subscription,
} from "./bus/bus.js";
export * from "./bus/errors.js";
export type { Params, RequestId } from "./bus/jsonrpc.js";
export type { Delivery, QueueSpec, Transport } from "./bus/transport.js";
export { createTransport, MemoryBroker, redactUri } from "./bus/transports/index.js";
export { ConfigError } from "./config/errors.js";
export { createLogging, loggingSettings } from "./config/logging.js";
export { readConfig } from "./config/read-config.js";
export {
  CLUSTER_STATUSES,
  Cluster,
  ClusterDeploy,
  ClusterRestart,
  Clusters,
  ClusterUpgrade,
  CONTAINER_MANAGER_TYPES,
  ContainerManagerConfig,
  ContainerManagerConfigs,
  formatDate,
  getModelType,
  HOST_STATUSES,
  Host,
  HostCreds,
  HostStatus,
  Hosts,
  type ModelOf,
  type ModelType,
  ModelValidationError,
  modelTypes,
  NETWORK_TYPES,
  Network,
  Networks,
  now,
  OPERATION_STATUSES,
  type ValidationIssue,
  WatcherRecord,
} from "./models/index.js";
export * from "./remote/index.js";
export type { MessageContext } from "./service/context.js";
export type { ServiceBuildContext, ServiceDefinition } from "./service/definition.js";
export { type HandlerWithParams, type NamedParams, withParams } from "./service/handler.js";
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, serviceMain } from "./service/main.js";
export { ServiceManager } from "./service/manager.js";
export type { EveryOptions, Periodic } from "./service/periodic.js";
export {
  CommissaireService,
  type QueueDeclaration,
  type ServiceFailures,
  type ServiceOptions,
  type StopResult,
} from "./service/service.js";
export {
  type Lease,
  type NotifyCallback,
  type Revisioned,
  type SaveOptions,
  StorageClient,
  type StorageClientOptions,
} from "./storage/client.js";
export type { StoredRecord, StoreHandler, StoreHandlerClass } from "./storage/handler.js";
