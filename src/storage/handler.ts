/**
 * The store handler interface: where records of model types live. A handler stores full records
 * (hidden members included) by model type and primary key; it knows nothing of the bus, of
 * notifications or of validation, which the storage service does once for every handler.
 */
import type { ModelType } from "../models/index.js";

export type StoredRecord = Record<string, unknown>;

export interface SaveOutcome {
  /** True when no record existed under this key, decided atomically by the store itself. */
  created: boolean;
}

export interface StoreHandler {
  /** The handler's name (configuration `name`, or derived from its type). */
  readonly name: string;
  /** The configuration `type` it was made from. */
  readonly type: string;
  /** True for secret stores: the only handlers that may hold secret models (HostCreds). */
  readonly secret: boolean;
  save(type: ModelType, key: string, record: StoredRecord): Promise<SaveOutcome>;
  /** The record, or null when there is none. */
  get(type: ModelType, key: string): Promise<StoredRecord | null>;
  /** Removes the record and returns it, or null when there was none. */
  delete(type: ModelType, key: string): Promise<StoredRecord | null>;
  /** Every record of the (item) model type. */
  list(type: ModelType): Promise<StoredRecord[]>;
  close(): Promise<void>;
}

/** What a handler class is given: its name, its options (the configuration object less type,
 * name and models, member names normalised), and the process environment (for ETCD_*). */
export interface HandlerContext {
  name: string;
  options: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}

/** A handler class, built-in or loaded from a plug-in module (its default or `StoreHandler` export). */
export interface StoreHandlerClass {
  new (context: HandlerContext): StoreHandler;
  /** Optional start-up check of the options; throws a ConfigError naming the problem. */
  checkOptions?(options: Record<string, unknown>): void;
  /** True when the class stores secrets (may claim HostCreds). */
  readonly secret?: boolean;
}

/** A failure of the store itself (unreachable, refused): -32603 with the handler named. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(handler: string, action: string, cause: unknown) {
    super(
      `store handler "${handler}" could not ${action}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}
