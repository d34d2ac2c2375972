/**
 * Which store handler holds a record: the handler claiming its model type, except a Host whose
 * `source` names a handler, which that handler holds.
 */
import { InternalError, InvalidParamsError } from "../../bus/errors.js";
import type { ModelType } from "../../models/index.js";
import type { StoreHandler } from "../../storage/handler.js";
import type { HandlerDefinition } from "../../storage/handler-registry.js";

export class HandlerRouter {
  private readonly byModel = new Map<string, StoreHandler>();

  constructor(
    readonly handlers: ReadonlyMap<string, StoreHandler>,
    definitions: readonly HandlerDefinition[],
  ) {
    for (const d of definitions)
      for (const m of d.models) this.byModel.set(m, handlers.get(d.name)!);
  }

  /** Whether some handler holds records of this type. */
  has(type: ModelType): boolean {
    return this.byModel.has(type.name);
  }

  /** The handler of a model type. */
  forType(type: ModelType): StoreHandler {
    const handler = this.byModel.get(type.name);
    if (!handler)
      throw new InternalError(`no store handler holds ${type.name} records (see storage_handlers)`);
    return handler;
  }

  /** The handler of one record (a Host's `source` wins when it names a handler). */
  forRecord(type: ModelType, record: Record<string, unknown>): StoreHandler {
    if (type.name === "Host" && typeof record.source === "string" && record.source.trim() !== "") {
      const named = this.handlers.get(record.source.trim());
      if (!named) {
        throw new InvalidParamsError(
          `Host source "${record.source}" names no store handler; handlers: ${[...this.handlers.keys()].join(", ")}`,
        );
      }
      if (named.secret)
        throw new InvalidParamsError(`Host source "${record.source}" is a secret store`);
      return named;
    }
    return this.forType(type);
  }

  /** Every handler that may hold records of a type: its own first, then (for Hosts) the others. */
  candidates(type: ModelType): StoreHandler[] {
    const own = this.forType(type);
    if (type.name !== "Host") return [own];
    return [own, ...[...this.handlers.values()].filter((h) => h !== own && !h.secret)];
  }
}
