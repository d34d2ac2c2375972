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
import type { SaveOutcome, Stored, StoredRecord, StoreHandler } from "../../storage/handler.js";

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
  /** What was sent, parsed already (a full save validates once). */
  parsed?: object | undefined;
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

/**
 * A full save's record: what was sent with the stored values of the extension members it left
 * out. Validated once: when every kept value is what the parse filled in already (the member's
 * default, as our own writes store it), the record is what was sent, parsed before; only a real
 * merge (stored values joining what was sent) is validated again, as a whole.
 */
function merged(
  request: WriteRequest,
  absent: readonly string[],
  stored: StoredRecord | undefined,
): StoredRecord {
  const { type, sent, parsed } = request;
  const record = type.toJson(parsed ?? type.parse(sent));
  const kept = stored
    ? absent.filter((m) => stored[m] !== undefined && stored[m] !== record[m])
    : [];
  if (kept.length === 0) return record;
  const data = { ...sent };
  for (const m of kept) data[m] = stored![m];
  return type.toJson(type.parse(data));
}

export async function writeRecord(context: WriteContext, request: WriteRequest): Promise<Written> {
  const { type, key, sent, ifRevision, members } = request;
  const absent = members ? [] : type.extensions.filter((m) => sent[m] === undefined);
  // The common case: a full record from a writer that knows every member.
  if (!members && absent.length === 0) {
    const record = type.toJson(request.parsed ?? type.parse(sent));
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
      // First from the store's memory when it has one: the write is conditioned on what it read,
      // so a stale copy only costs a retry, which reads the store itself.
      const peeked =
        attempt === 1 && ifRevision === undefined ? handler.reads?.peek(type, key) : undefined;
      stored = peeked !== undefined ? peeked : await handler.get(type, key);
    }
    checkCondition(
      type,
      key,
      ifRevision === undefined ? {} : { ifRevision },
      stored?.revision ?? null,
    );
    let record: StoredRecord;
    if (members) {
      const data = context.revive(type, stored!.record, key);
      for (const m of members) if (sent[m] !== undefined) data[m] = sent[m];
      record = type.toJson(type.parse(data));
    } else record = merged(request, absent, stored?.record);
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

/**
 * A list of full records in one atomic store write (the store's saveMany: one etcd transaction),
 * each conditioned on the caller's revision or on the revision its merge read. Null when the batch
 * cannot go that way (partial saves, a store without saveMany or memory, a batch it refuses, or
 * a merge read that was stale): then it is written record by record, as before.
 */
export async function writeBatch(
  context: WriteContext,
  requests: WriteRequest[],
): Promise<Written[] | null> {
  if (requests.length < 2 || requests.some((r) => r.members)) return null;
  const handler = context.handlerFor(requests[0]!);
  if (!handler.saveMany || requests.some((r) => context.handlerFor(r) !== handler)) return null;
  const items: { key: string; record: StoredRecord; condition?: { ifRevision: string } }[] = [];
  for (const request of requests) {
    const { type, key, sent, ifRevision, parsed } = request;
    const absent = type.extensions.filter((m) => sent[m] === undefined);
    if (absent.length === 0) {
      const record = type.toJson(parsed ?? type.parse(sent));
      items.push({
        key,
        record,
        ...(ifRevision === undefined ? {} : { condition: { ifRevision } }),
      });
      continue;
    }
    if (ifRevision !== undefined) return null;
    const stored = handler.reads?.peek(type, key);
    if (stored === undefined) return null;
    const record = merged(request, absent, stored?.record);
    items.push({ key, record, condition: { ifRevision: stored?.revision ?? NO_RECORD } });
  }
  let outcomes: SaveOutcome[] | null;
  try {
    outcomes = await handler.saveMany(requests[0]!.type, items);
  } catch (err) {
    // A condition of our own merge failed (someone wrote meanwhile): one by one, re-reading.
    const failed = err instanceof StoragePreconditionError ? (err.data as { key?: string }) : null;
    const own = failed && requests.find((r) => r.key === failed.key)?.ifRevision === undefined;
    if (own) return null;
    throw err;
  }
  if (!outcomes) return null;
  return outcomes.map((outcome, n) => ({ record: items[n]!.record, ...outcome }));
}
