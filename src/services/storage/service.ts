/**
 * The Storage service (`storage`, routing `storage.*`): save / get / delete / list of models and
 * list_store_handlers, through the configured store handlers, publishing
 * `notify.storage.<Model>.<created|updated|deleted>` after each write (safe form; never secrets).
 * Our extensions: every record served carries its `_revision`; save takes `if_revision` and
 * `members` (writes.ts); acquire_lease / renew_lease / release_lease; and until its stores answer
 * it answers -32603 "store <name> unavailable" (readiness.ts).
 */
import { z } from "zod";
import { InternalError, InvalidParamsError, StorageLookupError } from "../../bus/errors.js";
import {
  getModelType,
  Host,
  type ModelType,
  ModelValidationError,
  modelTypes,
  REVISION_MEMBER,
} from "../../models/index.js";
import { withParams } from "../../service/handler.js";
import type { HealthProbe } from "../../service/health.js";
import { CommissaireService, type ServiceOptions } from "../../service/service.js";
import {
  type LeaseStore,
  type Stored,
  type StoredRecord,
  type StoreHandler,
  StoreUnavailableError,
} from "../../storage/handler.js";
import type { HandlerDefinition } from "../../storage/handler-registry.js";
import type { ReadFreshness } from "../../storage/served-record.js";
import { itemsOf, keyOfItem, parseAll, pick, revisionsFor } from "./model-data.js";
import {
  type GetCall,
  getCall,
  LEASES,
  type ListCall,
  leaseCall,
  leaseJson,
  listCall,
  listLeasesCall,
  type ModelCall,
  modelCall,
  releaseCall,
  type SaveCall,
  saveCall,
} from "./params.js";
import { StoreReadiness, storeUnavailable } from "./readiness.js";
import { redactOptions } from "./redact.js";
import { answer, answerList, type Served, servedJson } from "./replies.js";
import { HandlerRouter } from "./router.js";
import {
  checkMembers,
  type WriteContext,
  type WriteRequest,
  writeBatch,
  writeRecord,
} from "./writes.js";

export interface StorageServiceOptions extends ServiceOptions {
  handlers: ReadonlyMap<string, StoreHandler>;
  definitions: readonly HandlerDefinition[];
}

export class StorageService extends CommissaireService {
  readonly name = "storage";
  on_save = withParams(saveCall, (params) => this.guard(params, () => this.save(params)));
  on_get = withParams(getCall, (params) => this.guard(params, () => this.get(params)));
  on_delete = withParams(modelCall, (params) => this.guard(params, () => this.delete(params)));
  on_list = withParams(listCall, (params) => this.guard(params, () => this.list(params)));
  on_list_store_handlers = withParams(z.object({}).strict(), () => this.listStoreHandlers());
  on_acquire_lease = withParams(leaseCall, ({ name, holder, ttl }) =>
    this.guard(LEASES, () =>
      this.leases()
        .acquire(name, holder, ttl * 1000)
        .then(leaseJson),
    ),
  );
  on_renew_lease = withParams(leaseCall, ({ name, holder, ttl }) =>
    this.guard(LEASES, () =>
      this.leases()
        .renew(name, holder, ttl * 1000)
        .then(leaseJson),
    ),
  );
  on_release_lease = withParams(releaseCall, ({ name, holder }) =>
    this.guard(LEASES, async () => ({ released: await this.leases().release(name, holder) })),
  );
  on_list_leases = withParams(listLeasesCall, ({ prefix }) =>
    this.guard(LEASES, async () => ({ leases: await this.leases().list(prefix) })),
  );
  private readonly router: HandlerRouter;
  private readonly definitions: readonly HandlerDefinition[];
  private readonly readiness: StoreReadiness;

  constructor(options: StorageServiceOptions) {
    super(options);
    this.router = new HandlerRouter(options.handlers, options.definitions);
    this.definitions = options.definitions;
    this.readiness = new StoreReadiness(options.handlers, this.logger);
  }

  protected override async onStart(): Promise<void> {
    await this.readiness.start();
  }

  /** Its health: each store handler answers its probe (etcd, Custodia, the file store...). */
  protected override healthProbes(): Record<string, HealthProbe> {
    const probes: Record<string, HealthProbe> = {};
    for (const [name, handler] of this.router.handlers)
      probes[`store:${name}`] = () => handler.probe().then(() => undefined);
    return probes;
  }

  protected override ready(): Promise<void> {
    return this.readiness.ready;
  }

  /**
   * Store failures as callers see them: -32603 "store <name> unavailable", the handler named;
   * before anything, the stores the call needs must have answered once.
   */
  private async guard<T>(call: { model_type_name: string }, run: () => Promise<T>): Promise<T> {
    const named = modelTypes.get(call.model_type_name);
    const type = named?.list ? modelTypes.get(named.list.itemType) : named;
    // An unknown or unstored type gets its -32602 from the call itself.
    if (type?.primaryKey && this.router.has(type))
      this.readiness.check(this.router.candidates(type).map((h) => h.name));
    try {
      return await run();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw storeUnavailable(err.handler, err.message);
      throw err;
    }
  }

  /** Leases live in the store that holds Hosts. */
  private leases(): LeaseStore {
    return this.router.forType(Host).leases;
  }

  /** A stored (item) model type; list types and computed types are refused with -32602. */
  private storedType(name: string): ModelType {
    const type = getModelType(name);
    if (type.list || !type.primaryKey) {
      throw new InvalidParamsError(
        `${name} is not a stored model type${type.list ? ` (use ${type.list.itemType})` : ""}`,
      );
    }
    return type;
  }

  private async notify(
    type: ModelType,
    event: "created" | "updated" | "deleted",
    record: StoredRecord,
  ): Promise<void> {
    if (type.secret) return;
    try {
      await this.bus.publishStorageNotification(type.name, event, type.toSafeJson(record as never));
    } catch (err) {
      // The write happened; failing the call now would make the caller believe it did not.
      this.logger.error(
        { err: (err as Error).message, model: type.name, event },
        "storage notification not published",
      );
    }
  }

  private lookupError(
    type: ModelType,
    item: Record<string, unknown>,
    key: string,
  ): StorageLookupError {
    return new StorageLookupError(`${type.name} "${key}" does not exist`, {
      model_type_name: type.name,
      model_json_data: JSON.stringify(type.secret ? { [type.primaryKey!]: key } : item),
    });
  }

  /** A stored record read back: defaults filled, validated (a bad record is the store's fault). */
  private revive(type: ModelType, record: StoredRecord, key: string): Record<string, unknown> {
    try {
      return type.toJson(type.parse(record));
    } catch (err) {
      if (err instanceof ModelValidationError) {
        throw new InternalError(`stored ${type.name} "${key}" is invalid: ${err.message}`);
      }
      throw err;
    }
  }

  private async save({
    model_type_name,
    model_json_data,
    if_revision,
    members,
  }: SaveCall): Promise<unknown> {
    const type = this.storedType(model_type_name);
    const { items, single } = itemsOf(model_json_data);
    const keys = items.map((item) => keyOfItem(type, item));
    const revisions = revisionsFor(if_revision, items.length, single);
    let parsed: object[] = [];
    if (members) {
      checkMembers(type, members);
      // What a partial save sends is validated as the members it names, before any write; rules
      // on members it does not name (a ClusterDeploy's version) hold for the merged record.
      const pk = type.primaryKey!;
      const named = new Set<string>([...members, pk]);
      const problems = items.flatMap((item, i) =>
        type
          .validate({ ...pick(item, members), [pk]: keys[i] })
          .filter((issue) => named.has(issue.member.split(/[.[]/)[0]!)),
      );
      if (problems.length) throw new ModelValidationError(type.name, problems);
    } else {
      parsed = parseAll(type, items, single);
      // A Host source naming no handler is refused before anything is written.
      for (const item of items) this.router.forRecord(type, item);
    }
    const context = this.writeContext();
    const requests: WriteRequest[] = items.map((sent, i) => ({
      type,
      key: keys[i]!,
      sent,
      ifRevision: revisions[i],
      members,
      parsed: parsed[i],
    }));
    const saved: Record<string, unknown>[] = [];
    const written = (await writeBatch(context, requests)) ?? [];
    for (const [i, request] of requests.entries()) {
      const { record, revision, created } = written[i] ?? (await writeRecord(context, request));
      // Not awaited: the write is in etcd already (the guarantee a reply gives), the notification
      // is queued on the bus connection before the reply and leaves in the same write or before
      // it, and a failure to publish is logged (the write happened either way; failing the call
      // would make the caller believe it did not).
      void this.notify(type, created ? "created" : "updated", record);
      // An object, not the cached text: a reply of JSON text takes the bus's path for large
      // replies (its own write, apart from the notification's), dearer for one small record.
      saved.push({ ...record, [REVISION_MEMBER]: revision });
    }
    return single ? saved[0] : saved;
  }

  private writeContext(): WriteContext {
    return {
      handlerFor: ({ type, sent }) => this.router.forRecord(type, sent),
      find: ({ type, sent, key }) => this.find(type, sent, key),
      missing: ({ type, sent, key }) => this.lookupError(type, sent, key),
      revive: (type, record, key) => this.revive(type, record, key),
    };
  }

  /** The record and the handler holding it, or null. */
  private async find(
    type: ModelType,
    item: Record<string, unknown>,
    key: string,
  ): Promise<[StoreHandler, Stored] | null> {
    const candidates =
      typeof item.source === "string" && item.source !== ""
        ? [this.router.forRecord(type, item)]
        : this.router.candidates(type);
    for (const handler of candidates) {
      const record = await handler.get(type, key);
      if (record) return [handler, record];
    }
    return null;
  }

  private async get({ model_type_name, model_json_data, min_revision }: GetCall): Promise<unknown> {
    const type = this.storedType(model_type_name);
    const { items, single } = itemsOf(model_json_data);
    const keys = items.map((item) => keyOfItem(type, item));
    const freshness: ReadFreshness = { minRevision: min_revision };
    const found: Served[] = [];
    for (const [i, item] of items.entries()) {
      const hit = await this.findServed(type, item, keys[i]!, freshness);
      if (!hit) throw this.lookupError(type, item, keys[i]!);
      found.push(hit);
    }
    return single ? answer(found[0]!) : answerList(found);
  }

  /** A record as served (JSON text from a cached store, else revived here), or null. */
  private async findServed(
    type: ModelType,
    item: Record<string, unknown>,
    key: string,
    freshness: ReadFreshness,
  ): Promise<Served | null> {
    const candidates =
      typeof item.source === "string" && item.source !== ""
        ? [this.router.forRecord(type, item)]
        : this.router.candidates(type);
    for (const handler of candidates) {
      if (handler.reads) {
        const served = await handler.reads.get(type, key, freshness);
        if (served) return servedJson(served);
        continue;
      }
      const stored = await handler.get(type, key);
      if (stored)
        return { ...this.revive(type, stored.record, key), [REVISION_MEMBER]: stored.revision };
    }
    return null;
  }

  private async delete({ model_type_name, model_json_data }: ModelCall): Promise<null> {
    const type = this.storedType(model_type_name);
    const { items } = itemsOf(model_json_data);
    const keys = items.map((item) => keyOfItem(type, item));
    // Every record must exist before any is deleted: a batch fails whole on a missing one.
    const holders: StoreHandler[] = [];
    for (const [i, item] of items.entries()) {
      const hit = await this.find(type, item, keys[i]!);
      if (!hit) throw this.lookupError(type, item, keys[i]!);
      holders.push(hit[0]);
    }
    for (const [i, item] of items.entries()) {
      const deleted = await holders[i]!.delete(type, keys[i]!);
      // Deleted meanwhile by someone else: the caller asked for it gone, and it is.
      if (deleted) await this.notify(type, "deleted", deleted);
      else
        this.logger.debug(
          { model: type.name, key: type.secret ? undefined : item },
          "already deleted",
        );
    }
    return null;
  }

  /**
   * Every record of a type. From a cached store the reply is its records' JSON text joined: no
   * parse, no validation, no encoding per record (they were validated when written).
   */
  private async list({ model_type_name, min_revision }: ListCall): Promise<unknown> {
    const named = getModelType(model_type_name);
    const type = named.list ? getModelType(named.list.itemType) : this.storedType(model_type_name);
    const freshness: ReadFreshness = { minRevision: min_revision };
    const candidates = this.router.candidates(type);
    const seen = new Set<string>();
    const out: Served[] = [];
    for (const handler of candidates) {
      if (handler.reads) {
        for (const served of await handler.reads.list(type, freshness)) {
          if (candidates.length > 1) {
            if (seen.has(served.key)) continue;
            seen.add(served.key);
          }
          out.push(servedJson(served));
        }
        continue;
      }
      for (const { record, revision } of await handler.list(type)) {
        const key = String(record[type.primaryKey!]);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ ...this.revive(type, record, key), [REVISION_MEMBER]: revision });
      }
    }
    return answerList(out);
  }

  private listStoreHandlers(): unknown[] {
    return this.definitions.map((d) => ({
      handler_type: d.type,
      name: d.name,
      config: { ...redactOptions(d.options), name: d.name },
      model_types: [...d.models].sort(),
    }));
  }

  /** The service owns its store handlers (its factory made them for it): closed at stop. */
  protected override async onStop(): Promise<void> {
    this.readiness.stop();
    for (const handler of this.router.handlers.values())
      await handler.close().catch((err) => this.logger.warn({ err }, "store handler not closed"));
  }
}
