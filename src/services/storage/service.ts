/**
 * The Storage service (`storage`, routing `storage.*`): save / get / delete / list of models and
 * list_store_handlers, through the configured store handlers, publishing
 * `notify.storage.<Model>.<created|updated|deleted>` after each write (safe form; never secrets).
 */
import { z } from "zod";
import { InternalError, InvalidParamsError, StorageLookupError } from "../../bus/errors.js";
import { getModelType, type ModelType, ModelValidationError } from "../../models/index.js";
import { withParams } from "../../service/handler.js";
import { CommissaireService, type ServiceOptions } from "../../service/service.js";
import type { StoredRecord, StoreHandler } from "../../storage/handler.js";
import type { HandlerDefinition } from "../../storage/handler-registry.js";
import { itemsOf, keyOfItem, parseAll } from "./model-data.js";
import { redactOptions } from "./redact.js";
import { HandlerRouter } from "./router.js";

const modelCall = z
  .object({ model_type_name: z.string().min(1), model_json_data: z.unknown() })
  .strict();
type ModelCall = z.output<typeof modelCall>;

export interface StorageServiceOptions extends ServiceOptions {
  handlers: ReadonlyMap<string, StoreHandler>;
  definitions: readonly HandlerDefinition[];
}

export class StorageService extends CommissaireService {
  readonly name = "storage";
  on_save = withParams(modelCall, (params) => this.save(params));
  on_get = withParams(modelCall, (params) => this.get(params));
  on_delete = withParams(modelCall, (params) => this.delete(params));
  on_list = withParams(z.object({ model_type_name: z.string().min(1) }).strict(), (params) =>
    this.list(params),
  );
  on_list_store_handlers = withParams(z.object({}).strict(), () => this.listStoreHandlers());
  private readonly router: HandlerRouter;
  private readonly definitions: readonly HandlerDefinition[];

  constructor(options: StorageServiceOptions) {
    super(options);
    this.router = new HandlerRouter(options.handlers, options.definitions);
    this.definitions = options.definitions;
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

  private async save({ model_type_name, model_json_data }: ModelCall): Promise<unknown> {
    const type = this.storedType(model_type_name);
    const { items, single } = itemsOf(model_json_data);
    const models = parseAll(type, items, single);
    const handlers = models.map((m) => this.router.forRecord(type, m as Record<string, unknown>));
    const saved: Record<string, unknown>[] = [];
    for (const [i, model] of models.entries()) {
      const record = type.toJson(model);
      const { created } = await handlers[i]!.save(type, type.keyOf(model), record);
      await this.notify(type, created ? "created" : "updated", record);
      saved.push(record);
    }
    return single ? saved[0] : saved;
  }

  /** The record and the handler holding it, or null. */
  private async find(
    type: ModelType,
    item: Record<string, unknown>,
    key: string,
  ): Promise<[StoreHandler, StoredRecord] | null> {
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

  private async get({ model_type_name, model_json_data }: ModelCall): Promise<unknown> {
    const type = this.storedType(model_type_name);
    const { items, single } = itemsOf(model_json_data);
    const keys = items.map((item) => keyOfItem(type, item));
    const found: Record<string, unknown>[] = [];
    for (const [i, item] of items.entries()) {
      const hit = await this.find(type, item, keys[i]!);
      if (!hit) throw this.lookupError(type, item, keys[i]!);
      found.push(this.revive(type, hit[1], keys[i]!));
    }
    return single ? found[0] : found;
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

  private async list({ model_type_name }: { model_type_name: string }): Promise<unknown[]> {
    const named = getModelType(model_type_name);
    const type = named.list ? getModelType(named.list.itemType) : this.storedType(model_type_name);
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const handler of this.router.candidates(type)) {
      for (const record of await handler.list(type)) {
        const key = String(record[type.primaryKey!]);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(this.revive(type, record, key));
      }
    }
    return out;
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
    for (const handler of this.router.handlers.values())
      await handler.close().catch((err) => this.logger.warn({ err }, "store handler not closed"));
  }
}
