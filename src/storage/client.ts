/**
 * StorageClient: the storage service as service authors use it. It speaks models, not JSON:
 * models are validated before they are sent, and what comes back is parsed into models.
 */

import type { Logger } from "../base/logger.js";
import type { Bus, RequestOptions, StorageEvent, Subscription } from "../bus/bus.js";
import {
  type Cluster,
  ClusterModel,
  getModelType,
  type Host,
  HostModel,
  type ModelType,
  type Network,
  NetworkModel,
} from "../models/index.js";

export type NotifyCallback = (
  event: StorageEvent,
  model: Record<string, unknown>,
  modelTypeName: string,
) => void;

const EVENTS: readonly string[] = ["created", "updated", "deleted"];

export class StorageClient {
  constructor(
    readonly bus: Bus,
    private readonly options: RequestOptions = {},
    private readonly logger: Logger = bus.logger,
  ) {}

  private call<R>(method: string, params: Record<string, unknown>): Promise<R> {
    return this.bus.request<R>(`storage.${method}`, params, this.options);
  }

  /** The stored model identified by its primary key (other members are ignored). */
  async get<T extends object>(type: ModelType<T>, id: Partial<T>): Promise<T> {
    return type.parse(await this.call("get", { model_type_name: type.name, model_json_data: id }));
  }

  async getMany<T extends object>(type: ModelType<T>, ids: Partial<T>[]): Promise<T[]> {
    const found = await this.call<unknown[]>("get", {
      model_type_name: type.name,
      model_json_data: ids,
    });
    return found.map((m) => type.parse(m));
  }

  /** Validates (throwing ModelValidationError before anything is sent), saves, returns the saved model. */
  async save<T extends object>(type: ModelType<T>, model: Partial<T>): Promise<T> {
    const data = type.toJson(type.parse(model));
    return type.parse(
      await this.call("save", { model_type_name: type.name, model_json_data: data }),
    );
  }

  async saveMany<T extends object>(type: ModelType<T>, models: Partial<T>[]): Promise<T[]> {
    const data = models.map((m) => type.toJson(type.parse(m)));
    const saved = await this.call<unknown[]>("save", {
      model_type_name: type.name,
      model_json_data: data,
    });
    return saved.map((m) => type.parse(m));
  }

  async delete<T extends object>(type: ModelType<T>, id: Partial<T>): Promise<void> {
    await this.call("delete", { model_type_name: type.name, model_json_data: id });
  }

  async deleteMany<T extends object>(type: ModelType<T>, ids: Partial<T>[]): Promise<void> {
    await this.call("delete", { model_type_name: type.name, model_json_data: ids });
  }

  /** Every stored model of a type (the item type, e.g. HostModel, or its list type). */
  async list<T extends object>(type: ModelType<T>): Promise<T[]> {
    const item = (type.list ? getModelType(type.list.itemType) : type) as ModelType<T>;
    const records = await this.call<unknown[]>("list", { model_type_name: item.name });
    return records.map((r) => item.parse(r));
  }

  getHost(address: string): Promise<Host> {
    return this.get(HostModel, { address });
  }

  getCluster(name: string): Promise<Cluster> {
    return this.get(ClusterModel, { name });
  }

  getNetwork(name: string): Promise<Network> {
    return this.get(NetworkModel, { name });
  }

  /**
   * Calls back for storage notifications, filtered by model type and event ("*" or omitted for
   * any). A notification that is malformed, or whose model does not validate, is logged and
   * skipped: it never reaches the callback and never throws into the service.
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
    return this.bus.subscribe(`notify.storage.${typeName}.${event}`, (body, delivery) => {
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
      callback(n.event as StorageEvent, model, n.class);
    });
  }
}
