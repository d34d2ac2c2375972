/**
 * How one record is written: conditionally (`if_revision`), partially (`members`), and keeping
 * the extension members a writer left out (MODELS.md: a Python service that does not know them).
 *
 * - A full save replaces the record. Extension members absent from what was sent (not merely at
 *   their default: absent) keep their stored values; to clear one, send it explicitly.
 * - A partial save changes only the named members of the stored record.
 * Both read the record and write it back conditioned on the revision they read, retrying when
 * someone wrote in between, so nothing written meanwhile is lost. A caller's own `if_revision` is
 * never retried: its failure is the caller's answer (409).
 */
import { InvalidParamsError, StoragePreconditionError } from "../../bus/errors.js";
import { type ModelType, NO_RECORD, SCHEMA_MEMBER, SCHEMA_VERSION } from "../../models/index.js";
import { checkCondition } from "../../storage/conditions.js";
import type { Stored, StoredRecord, StoreHandler } from "../../storage/handler.js";

/** Rounds of read-merge-write before giving up on a record that keeps changing. */
const MAX_ATTEMPTS = 50;

export interface WriteRequest {
  type: ModelType;
  key: string;
  /** What the caller sent, unparsed (absent members matter). */
  sent: Record<string, unknown>;
  /** The caller's precondition. */
  ifRevision?: string | undefined;
  /** A partial save's members. */
  members?: readonly string[] | undefined;
}

export interface Written {
  record: StoredRecord;
  revision: string;
  created: boolean;
}

export interface WriteContext {
  /** The handler a full save of this record goes to. */
  handlerFor(request: WriteRequest): StoreHandler;
  /** The stored record and its handler (a partial save changes it where it is). */
  find(request: WriteRequest): Promise<[StoreHandler, Stored] | null>;
  /** Throws -20000 naming the record. */
  missing(request: WriteRequest): Error;
  /** A stored record with defaults filled, as it is served. */
  revive(type: ModelType, record: StoredRecord, key: string): Record<string, unknown>;
}

/** -32602 unless every member is a declared, non-key member of the type. */
export function checkMembers(type: ModelType, members: readonly string[]): void {
  const bad = members.filter((m) => !type.members.includes(m) || m === type.primaryKey);
  if (bad.length)
    throw new InvalidParamsError(
      `members: ${bad.join(", ")} cannot be saved alone; members of ${type.name}: ${type.members.filter((m) => m !== type.primaryKey).join(", ")}`,
    );
}

/** What goes to the store: the record stamped with the schema version that wrote it. */
function stamped(record: StoredRecord): StoredRecord {
  return { ...record, [SCHEMA_MEMBER]: SCHEMA_VERSION };
}

export async function writeRecord(context: WriteContext, request: WriteRequest): Promise<Written> {
  const { type, key, sent, ifRevision, members } = request;
  const absent = members ? [] : type.extensions.filter((m) => sent[m] === undefined);
  // The common case: a full record from a writer that knows every member.
  if (!members && absent.length === 0) {
    const record = type.toJson(type.parse(sent));
    const handler = context.handlerFor(request);
    const outcome = await handler.save(
      type,
      key,
      stamped(record),
      ifRevision === undefined ? {} : { ifRevision },
    );
    return { record, ...outcome };
  }
  for (let attempt = 1; ; attempt++) {
    let handler: StoreHandler;
    let stored: Stored | null;
    if (members) {
      const hit = await context.find(request);
      if (!hit) throw context.missing(request);
      [handler, stored] = hit;
    } else {
      handler = context.handlerFor(request);
      stored = await handler.get(type, key);
    }
    checkCondition(
      type,
      key,
      ifRevision === undefined ? {} : { ifRevision },
      stored?.revision ?? null,
    );
    let data: Record<string, unknown>;
    if (members) {
      data = context.revive(type, stored!.record, key);
      for (const m of members) if (sent[m] !== undefined) data[m] = sent[m];
    } else {
      data = { ...sent };
      for (const m of absent) if (stored?.record[m] !== undefined) data[m] = stored.record[m];
    }
    const record = type.toJson(type.parse(data));
    try {
      const outcome = await handler.save(type, key, stamped(record), {
        ifRevision: stored?.revision ?? NO_RECORD,
      });
      return { record, ...outcome };
    } catch (err) {
      const retry =
        err instanceof StoragePreconditionError &&
        ifRevision === undefined &&
        attempt < MAX_ATTEMPTS;
      if (!retry) throw err;
    }
  }
}
