/**
 * StorageClient: the storage service as service authors use it. It speaks models, not JSON:
 * models are validated before they are sent, and what comes back is parsed into models.
 */

import type { Logger } from "../base/logger.js";
import type { Bus, StorageEvent, Subscriber, Subscription } from "../bus/bus.js";
import { StorageLookupError, StoragePreconditionError } from "../bus/errors.js";
import {
  Cluster,
  getModelType,
  Host,
  type ModelType,
  Network,
  NO_RECORD,
} from "../models/index.js";
import {
  type Lease,
  outgoing,
  pause,
  type ReadOptions,
  type Revisioned,
  readParams,
  revisioned,
  type SaveOptions,
} from "./client-types.js";
import { listTypeName, plainWrite, refusedExtensions } from "./original-storage.js";

export type { Lease, Revisioned, SaveOptions };

/** May be async: a rejection is logged and counted by whoever opened the subscription. */
export type NotifyCallback = (
  event: StorageEvent,
  model: Record<string, unknown>,
  modelTypeName: string,
) => unknown;

export interface StorageClientOptions {
  /** Per-call timeout (default: the bus's). */
  timeoutMs?: number;
  logger?: Logger;
  /**
   * Who opens notification subscriptions (default: the bus). A service passes itself, so its
   * subscriptions close when it stops and a failing callback is counted in its failures.
   */
  subscriber?: Subscriber;
}

const EVENTS: readonly string[] = ["created", "updated", "deleted"];

export class StorageClient {
  private readonly logger: Logger;
  private readonly subscriber: Subscriber;

  constructor(
    readonly bus: Bus,
    private readonly options: StorageClientOptions = {},
  ) {
    this.logger = options.logger ?? bus.logger;
    this.subscriber = options.subscriber ?? bus;
  }

  private call<R>(method: string, params: Record<string, unknown>): Promise<R> {
    const { timeoutMs } = this.options;
    return this.bus.request<R>(`storage.${method}`, params, timeoutMs ? { timeoutMs } : {});
  }

  /** The stored model identified by its primary key (other members are ignored). */
  async get<T extends object>(
    type: ModelType<T>,
    id: Partial<T>,
    options: ReadOptions = {},
  ): Promise<T> {
    return (await this.read(type, id, options)).model;
  }

  /** The stored model and its revision (the precondition of a later `save(..., { ifRevision })`). */
  async read<T extends object>(
    type: ModelType<T>,
    id: Partial<T>,
    options: ReadOptions = {},
  ): Promise<Revisioned<T>> {
    return revisioned(
      type,
      await this.call("get", {
        model_type_name: type.name,
        model_json_data: id,
        ...readParams(options),
      }),
    );
  }

  async getMany<T extends object>(
    type: ModelType<T>,
    ids: Partial<T>[],
    options: ReadOptions = {},
  ): Promise<T[]> {
    const found = await this.call<unknown[]>("get", {
      model_type_name: type.name,
      model_json_data: ids,
      ...readParams(options),
    });
    return found.map((m) => type.parse(m));
  }

  /**
   * Validates (throwing ModelValidationError before anything is sent), saves, returns the saved
   * model. Options: `ifRevision` (only if the stored revision is this one), `createOnly` (only if
   * there is no record), `members` (only these members change): a failed condition is
   * StoragePreconditionError (409).
   */
  async save<T extends object>(
    type: ModelType<T>,
    model: Partial<T>,
    options: SaveOptions<T> = {},
  ): Promise<T> {
    return (await this.write(type, model, options)).model;
  }

  /** `save` returning the saved model with its new revision. */
  async write<T extends object>(
    type: ModelType<T>,
    model: Partial<T>,
    options: SaveOptions<T> = {},
  ): Promise<Revisioned<T>> {
    // "" is the revision of a record from a storage without revisions (the original's).
    const ifRevision = options.createOnly ? NO_RECORD : options.ifRevision || undefined;
    const sent = outgoing(type, model, options.members);
    let saved: unknown;
    try {
      saved = await this.call("save", {
        model_type_name: type.name,
        model_json_data: sent,
        ...(ifRevision !== undefined ? { if_revision: ifRevision } : {}),
        ...(options.members ? { members: options.members } : {}),
      });
    } catch (err) {
      if (!refusedExtensions(err)) throw err;
      saved = await plainWrite(this.plain, type, sent, ifRevision, options.members);
    }
    return revisioned(type, saved);
  }

  /** The original storage's two calls, for writes it has no params for (original-storage.ts). */
  private readonly plain = {
    find: (type: ModelType, id: Record<string, unknown>) =>
      this.read(type, id).then(
        (r) => type.toJson(r.model) as Record<string, unknown>,
        (err) => {
          if (err instanceof StorageLookupError) return null;
          throw err;
        },
      ),
    save: (type: ModelType, data: Record<string, unknown>) =>
      this.call("save", { model_type_name: type.name, model_json_data: data }),
  };

  /** Saves a list in one call; with `members`, only those members of each change. */
  async saveMany<T extends object>(
    type: ModelType<T>,
    models: Partial<T>[],
    options: { members?: (keyof T & string)[]; ifRevisions?: (string | null)[] } = {},
  ): Promise<T[]> {
    const sent = models.map((m) => outgoing(type, m, options.members));
    try {
      const saved = await this.call<unknown[]>("save", {
        model_type_name: type.name,
        model_json_data: sent,
        ...(options.ifRevisions ? { if_revision: options.ifRevisions } : {}),
        ...(options.members ? { members: options.members } : {}),
      });
      return saved.map((m) => type.parse(m));
    } catch (err) {
      if (!refusedExtensions(err)) throw err;
      const saved: T[] = [];
      for (const [i, one] of sent.entries()) {
        const ifRevision = options.ifRevisions?.[i] || undefined;
        saved.push(
          type.parse(await plainWrite(this.plain, type, one, ifRevision, options.members)),
        );
      }
      return saved;
    }
  }

  /**
   * Read-modify-write that loses nothing: reads the record, applies `change` to it, and saves the
   * result only if nobody wrote in between; otherwise reads again and re-applies, with a growing
   * random pause, up to `attempts` times. `change` returns the new model, or null when there is
   * nothing to change (then nothing is written). Without `create`, a missing record is -20000;
   * with it, `create()` is the model `change` starts from and the save is create-only.
   */
  async update<T extends object>(
    type: ModelType<T>,
    id: Partial<T>,
    change: (current: T) => T | null | Promise<T | null>,
    options: { attempts?: number; create?: () => T } = {},
  ): Promise<Revisioned<T> | null> {
    const attempts = options.attempts ?? 64;
    for (let attempt = 1; ; attempt++) {
      let current: Revisioned<T> | null = null;
      try {
        current = await this.read(type, id);
      } catch (err) {
        if (!(err instanceof StorageLookupError) || !options.create) throw err;
      }
      const next = await change(current ? current.model : options.create!());
      if (next === null) return current;
      try {
        return await this.write(type, next, { ifRevision: current?.revision ?? NO_RECORD });
      } catch (err) {
        if (!(err instanceof StoragePreconditionError) || attempt >= attempts) throw err;
        await pause(Math.random() * Math.min(250, 2 ** attempt));
      }
    }
  }

  async delete<T extends object>(type: ModelType<T>, id: Partial<T>): Promise<void> {
    await this.call("delete", { model_type_name: type.name, model_json_data: id });
  }

  async deleteMany<T extends object>(type: ModelType<T>, ids: Partial<T>[]): Promise<void> {
    await this.call("delete", { model_type_name: type.name, model_json_data: ids });
  }

  /** Every stored model of a type (the item type, e.g. Host, or its list type). */
  async list<T extends object>(type: ModelType<T>, options: ReadOptions = {}): Promise<T[]> {
    return (await this.listRevisioned(type, options)).map((r) => r.model);
  }

  /** Every stored model of a type with its revision. */
  async listRevisioned<T extends object>(
    type: ModelType<T>,
    options: ReadOptions = {},
  ): Promise<Revisioned<T>[]> {
    const item = (type.list ? getModelType(type.list.itemType) : type) as ModelType<T>;
    // The list model's name (Hosts): the original storage takes no other.
    const records = await this.call<unknown[]>("list", {
      model_type_name: listTypeName(item),
      ...readParams(options),
    });
    return records.map((r) => revisioned(item, r));
  }

  /**
   * Takes the named lease for `holder` for `ttlSeconds` (renewing it if the holder has it);
   * StoragePreconditionError (409) while another holder has it. Leases expire unless renewed.
   */
  async acquireLease(name: string, holder: string, ttlSeconds: number): Promise<Lease> {
    return this.call("acquire_lease", { name, holder, ttl: ttlSeconds });
  }

  /** Extends the holder's lease; StoragePreconditionError when it expired or another has it. */
  async renewLease(name: string, holder: string, ttlSeconds: number): Promise<Lease> {
    return this.call("renew_lease", { name, holder, ttl: ttlSeconds });
  }

  /** Gives the lease up; false when the holder did not have it (any more). */
  async releaseLease(name: string, holder: string): Promise<boolean> {
    const result = await this.call<{ released: boolean }>("release_lease", { name, holder });
    return result.released === true;
  }

  /** The leases held now whose names start with `prefix`, by name. */
  async listLeases(prefix: string): Promise<{ name: string; holder: string }[]> {
    const result = await this.call<{ leases: { name: string; holder: string }[] }>("list_leases", {
      prefix,
    });
    return result.leases;
  }

  getHost(address: string, options: ReadOptions = {}): Promise<Host> {
    return this.get(Host, { address }, options);
  }

  getCluster(name: string, options: ReadOptions = {}): Promise<Cluster> {
    return this.get(Cluster, { name }, options);
  }

  getNetwork(name: string, options: ReadOptions = {}): Promise<Network> {
    return this.get(Network, { name }, options);
  }

  /**
   * Calls back for storage notifications, filtered by model type and event ("*" or omitted for
   * any). A notification that is malformed, or whose model does not validate, is logged and
   * skipped: it never reaches the callback and never throws into the service. The callback may be
   * async; its rejection is logged and counted, never fatal.
   */
  async onNotify(
    callback: NotifyCallback,
    modelType: ModelType | string = "*",
    event: StorageEvent | "*" = "*",
  ): Promise<Subscription> {
    const typeName = typeof modelType === "string" ? modelType : modelType.name;
    if (typeName !== "*") getModelType(typeName); // an unknown type is the caller's mistake: say so now
    if (event !== "*" && !EVENTS.includes(event))
      throw new Error(`unknown storage event "${event}"`);
    return this.subscriber.subscribe(`notify.storage.${typeName}.${event}`, (body, delivery) => {
      const n = body as { event?: unknown; class?: unknown; model?: unknown };
      const skip = (reason: string) =>
        this.logger.warn(
          { routingKey: delivery.routingKey, reason },
          "malformed storage notification skipped",
        );
      if (typeof n !== "object" || n === null) return skip("not an object");
      if (typeof n.event !== "string" || !EVENTS.includes(n.event)) return skip("no valid event");
      if (typeof n.class !== "string") return skip("no class");
      let model: Record<string, unknown>;
      try {
        const type = getModelType(n.class);
        model = type.toJson(type.parse(n.model));
      } catch (err) {
        return skip((err as Error).message);
      }
      return callback(n.event as StorageEvent, model, n.class);
    });
  }
}
