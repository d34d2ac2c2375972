/** The `memory` store handler: records in this process only (tests, the embedded mode). */
import type { ModelType } from "../../models/index.js";
import { checkCondition, RevisionCounter } from "../conditions.js";
import type {
  HandlerContext,
  SaveOutcome,
  Stored,
  StoredRecord,
  StoreHandler,
  WriteCondition,
} from "../handler.js";
import { InProcessLeases } from "../leases.js";

interface Entry {
  text: string;
  revision: string;
}

export class MemoryStoreHandler implements StoreHandler {
  static readonly secret: boolean = false;
  static readonly revisions = true;
  readonly type: string = "memory";
  readonly secret: boolean = false;
  readonly name: string;
  readonly leases = new InProcessLeases();
  private readonly records = new Map<string, Map<string, Entry>>();
  private readonly revisions = new RevisionCounter();

  constructor(context: HandlerContext) {
    this.name = context.name;
  }

  private table(type: ModelType): Map<string, Entry> {
    let table = this.records.get(type.name);
    if (!table) {
      table = new Map();
      this.records.set(type.name, table);
    }
    return table;
  }

  // Records are kept as JSON text, so nothing handed out can change what is stored. Nothing here
  // awaits between the check and the write: the condition holds atomically.
  async save(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ): Promise<SaveOutcome> {
    const table = this.table(type);
    const current = table.get(key);
    checkCondition(type, key, condition, current?.revision ?? null);
    const revision = this.revisions.next();
    table.set(key, { text: JSON.stringify(record), revision });
    return { created: current === undefined, revision };
  }

  async get(type: ModelType, key: string): Promise<Stored | null> {
    const entry = this.table(type).get(key);
    return entry ? { record: JSON.parse(entry.text), revision: entry.revision } : null;
  }

  async delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    const table = this.table(type);
    const entry = table.get(key);
    if (entry === undefined) return null;
    table.delete(key);
    return JSON.parse(entry.text);
  }

  async list(type: ModelType): Promise<Stored[]> {
    return [...this.table(type).values()].map((e) => ({
      record: JSON.parse(e.text),
      revision: e.revision,
    }));
  }

  async probe(): Promise<void> {}

  async close(): Promise<void> {
    this.leases.close();
  }
}
