/**
 * StorageClient: the storage service as service authors use it. It speaks models, not JSON:
 * models are validated before they are sent, and what comes back is parsed into models.
 */

import type { Logger } from "../base/logger.js";
import type { Bus, StorageEvent, Subscriber, Subscription } from "../bus/bus.js";
import { Cluster, getModelType, Host, type ModelType, Network } from "../models/index.js";

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

  /** Every stored model of a type (the item type, e.g. Host, or its list type). */
  async list<T extends object>(type: ModelType<T>): Promise<T[]> {
    const item = (type.list ? getModelType(type.list.itemType) : type) as ModelType<T>;
    const records = await this.call<unknown[]>("list", { model_type_name: item.name });
    return records.map((r) => item.parse(r));
  }

  getHost(address: string): Promise<Host> {
    return this.get(Host, { address });
  }

  getCluster(name: string): Promise<Cluster> {
    return this.get(Cluster, { name });
  }

  getNetwork(name: string): Promise<Network> {
    return this.get(Network, { name });
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
