/**
 * Gives a store without revisions (Custodia, plug-in modules written to the plain interface) the
 * full handler interface: a record's revision is a hash of its content, conditions are checked
 * under a per-key lock of this process, leases are held in-process. Two storage processes writing
 * one record of such a store at once are not serialised: its own operations decide.
 */
import { createHash } from "node:crypto";
import type { ModelType } from "../models/index.js";
import { checkCondition } from "./conditions.js";
import type {
  PlainStoreHandler,
  SaveOutcome,
  Stored,
  StoredRecord,
  StoreHandler,
  WriteCondition,
} from "./handler.js";
import { KeyLocks } from "./key-locks.js";
import { InProcessLeases } from "./leases.js";

const revisionOf = (record: StoredRecord) =>
  `h-${createHash("sha1").update(JSON.stringify(record)).digest("hex").slice(0, 16)}`;

export class ContentRevisionStore implements StoreHandler {
  readonly leases = new InProcessLeases();
  private readonly locks = new KeyLocks();

  constructor(readonly plain: PlainStoreHandler & { probe?: () => Promise<void> }) {}

  get name(): string {
    return this.plain.name;
  }
  get type(): string {
    return this.plain.type;
  }
  get secret(): boolean {
    return this.plain.secret;
  }

  save(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ): Promise<SaveOutcome> {
    return this.locks.run(`${type.name}/${key}`, async () => {
      if (condition?.ifRevision !== undefined) {
        const current = await this.plain.get(type, key);
        checkCondition(type, key, condition, current ? revisionOf(current) : null);
      }
      const { created } = await this.plain.save(type, key, record);
      return { created, revision: revisionOf(record) };
    });
  }

  async get(type: ModelType, key: string): Promise<Stored | null> {
    const record = await this.plain.get(type, key);
    return record ? { record, revision: revisionOf(record) } : null;
  }

  delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    return this.locks.run(`${type.name}/${key}`, () => this.plain.delete(type, key));
  }

  async list(type: ModelType): Promise<Stored[]> {
    return (await this.plain.list(type)).map((record) => ({
      record,
      revision: revisionOf(record),
    }));
  }

  async probe(): Promise<void> {
    await this.plain.probe?.();
  }

  async close(): Promise<void> {
    this.leases.close();
    await this.plain.close();
  }
}

/** The handler as the service uses it: wrapped unless its class implements revisions itself. */
export function withRevisions(
  handler: StoreHandler | PlainStoreHandler,
  nativeRevisions: boolean,
): StoreHandler {
  return nativeRevisions
    ? (handler as StoreHandler)
    : new ContentRevisionStore(handler as PlainStoreHandler);
}
