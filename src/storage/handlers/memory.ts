/** The `memory` store handler: records in this process only (tests, the embedded mode). */
import type { ModelType } from "../../models/index.js";
import type { HandlerContext, SaveOutcome, StoredRecord, StoreHandler } from "../handler.js";

export class MemoryStoreHandler implements StoreHandler {
  static readonly secret: boolean = false;
  readonly type: string = "memory";
  readonly secret: boolean = false;
  readonly name: string;
  private readonly records = new Map<string, Map<string, string>>();

  constructor(context: HandlerContext) {
    this.name = context.name;
  }

  private table(type: ModelType): Map<string, string> {
    let table = this.records.get(type.name);
    if (!table) {
      table = new Map();
      this.records.set(type.name, table);
    }
    return table;
  }

  // Records are kept as JSON text, so nothing handed out can change what is stored.
  async save(type: ModelType, key: string, record: StoredRecord): Promise<SaveOutcome> {
    const table = this.table(type);
    const created = !table.has(key);
    table.set(key, JSON.stringify(record));
    return { created };
  }

  async get(type: ModelType, key: string): Promise<StoredRecord | null> {
    const text = this.table(type).get(key);
    return text === undefined ? null : JSON.parse(text);
  }

  async delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    const table = this.table(type);
    const text = table.get(key);
    if (text === undefined) return null;
    table.delete(key);
    return JSON.parse(text);
  }

  async list(type: ModelType): Promise<StoredRecord[]> {
    return [...this.table(type).values()].map((t) => JSON.parse(t));
  }

  async close(): Promise<void> {}
}
