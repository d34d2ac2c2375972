/**
 * The store handler interface: where records of model types live. A handler stores full records
 * (hidden members included) by model type and primary key; it knows nothing of the bus, of
 * notifications or of validation, which the storage service does once for every handler.
 */
import type { ModelType } from "../models/index.js";
import type { ServedReads } from "./served-record.js";

export type StoredRecord = Record<string, unknown>;

/** A record with its revision: an opaque string that changes with every write of the record. */
export interface Stored {
  record: StoredRecord;
  revision: string;
}

/**
 * A write's precondition. `ifRevision`: the stored revision must be this one, or, with NO_RECORD
 * ("0"), there must be no record (create-only). The store checks it atomically with the write and
 * throws StoragePreconditionError when it fails.
 */
export interface WriteCondition {
  ifRevision?: string;
}

export interface SaveOutcome {
  /** True when no record existed under this key, decided atomically by the store itself. */
  created: boolean;
  /** The revision the record has now. */
  revision: string;
}

export interface StoreHandler {
  /** The handler's name (configuration `name`, or derived from its type). */
  readonly name: string;
  /** The configuration `type` it was made from. */
  readonly type: string;
  /** True for secret stores: the only handlers that may hold secret models (HostCreds). */
  readonly secret: boolean;
  /**
   * Writes a record: the storage service sends it validated, in its served form (declared members
   * in declared order, defaults filled) and closed by its schema stamp, which a store keeping
   * served texts may rely on (served-record.ts, servedOfWritten).
   */
  save(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ): Promise<SaveOutcome>;
  /**
   * Optional: several records in one atomic write (every condition holds and all are written, or
   * none is: StoragePreconditionError for the first that fails). Undefined when the store cannot
   * (then each is saved alone); it may also answer null for a batch it cannot take whole.
   */
  saveMany?(
    type: ModelType,
    items: { key: string; record: StoredRecord; condition?: WriteCondition }[],
  ): Promise<SaveOutcome[] | null>;
  /** The record and its revision, or null when there is none. */
  get(type: ModelType, key: string): Promise<Stored | null>;
  /** Removes the record and returns it, or null when there was none. */
  delete(type: ModelType, key: string): Promise<StoredRecord | null>;
  /** Every record of the (item) model type, with its revision. */
  list(type: ModelType): Promise<Stored[]>;
  /** Answers when the store can be used, throws (with the cause) when it cannot. */
  probe(): Promise<void>;
  /** The store's named leases (etcd leases on etcd, in-process for the others). */
  readonly leases: LeaseStore;
  /** Optional reads of records in their served form (JSON text), from a store kept in memory. */
  readonly reads?: ServedReads;
  close(): Promise<void>;
}

/** A lease as its holder sees it. */
export interface LeaseGrant {
  name: string;
  holder: string;
  ttlMs: number;
}

/** A lease held now, as anyone listing leases sees it. */
export interface LeaseHolding {
  name: string;
  holder: string;
}

/**
 * Named leases with a time to live: one holder at a time; a lease not renewed within its TTL
 * expires and anyone may take it. acquire and renew throw StoragePreconditionError when another
 * holder has it; release of a lease one does not hold does nothing.
 */
export interface LeaseStore {
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant>;
  renew(name: string, holder: string, ttlMs: number): Promise<LeaseGrant>;
  /** True when the holder had the lease and it is released now. */
  release(name: string, holder: string): Promise<boolean>;
  /** The leases held now whose names start with `prefix`, by name. */
  list(prefix: string): Promise<LeaseHolding[]>;
  close(): void;
}

/**
 * What a plug-in store module implements: the handler interface without revisions, conditions or
 * leases. The service wraps it (content-revisions.ts) so it gets the same semantics in-process.
 */
export interface PlainStoreHandler {
  readonly name: string;
  readonly type: string;
  readonly secret: boolean;
  save(type: ModelType, key: string, record: StoredRecord): Promise<{ created: boolean }>;
  get(type: ModelType, key: string): Promise<StoredRecord | null>;
  delete(type: ModelType, key: string): Promise<StoredRecord | null>;
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
  new (context: HandlerContext): StoreHandler | PlainStoreHandler;
  /** True for classes implementing StoreHandler itself (revisions, conditions, leases, probe). */
  readonly revisions?: boolean;
  /** Optional start-up check of the options; throws a ConfigError naming the problem. */
  checkOptions?(options: Record<string, unknown>): void;
  /** True when the class stores secrets (may claim HostCreds). */
  readonly secret?: boolean;
}

/** A failure of the store itself (unreachable, refused, full): -32603 with the handler named. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(
    readonly handler: string,
    action: string,
    cause: unknown,
  ) {
    super(
      `store handler "${handler}" could not ${action}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}
