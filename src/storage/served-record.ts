/**
 * A stored record in the form the storage service serves it: defaults filled, declared members
 * only, `_revision` last, as JSON text. Stores that keep records in memory (the etcd watch cache)
 * make this once per write, so a read is a lookup and a list a concatenation; a record that does
 * not validate is kept with its problem, so reading it fails the way it always did.
 */
import {
  type ModelType,
  ModelValidationError,
  REVISION_MEMBER,
  SCHEMA_MEMBER,
} from "../models/index.js";

export type ServedRecord =
  | { key: string; revision: string; json: string; invalid?: undefined }
  | { key: string; revision: string; json?: undefined; invalid: string };

/** How fresh a read must be: at least this etcd revision (stores without one ignore it). */
export interface ReadFreshness {
  minRevision?: string | undefined;
}

/** Reads that hand out served records (JSON text); a store handler may offer them. */
export interface ServedReads {
  get(type: ModelType, key: string, freshness: ReadFreshness): Promise<ServedRecord | null>;
  list(type: ModelType, freshness: ReadFreshness): Promise<ServedRecord[]>;
  /**
   * The record as the store's memory has it now, or null when it has none; undefined when its
   * memory cannot answer (not current). Possibly behind the store: only for writes conditioned
   * on the revision it gives, which fail (and are retried from the store) if it was.
   */
  peek(
    type: ModelType,
    key: string,
  ): { record: Record<string, unknown>; revision: string } | null | undefined;
}

/** The served form of a stored record (its JSON text as stored). */
export function serve(type: ModelType, key: string, text: string, revision: string): ServedRecord {
  try {
    const record = type.toJson(type.parse(JSON.parse(text)));
    record[REVISION_MEMBER] = revision;
    return { key, revision, json: JSON.stringify(record) };
  } catch (err) {
    const reason =
      err instanceof ModelValidationError || err instanceof SyntaxError ? err.message : String(err);
    return { key, revision, invalid: `stored ${type.name} "${key}" is invalid: ${reason}` };
  }
}

const STAMP_KEY = `"${SCHEMA_MEMBER}":`;

/**
 * The served form of a record the service has just written, from the very text it stored: the
 * record was validated, and is declared members in declared order (what `serve` would make of
 * it), so the schema stamp closing the text (`,"_schema":1}`) gives way to `_revision` without a
 * parse or an encoding of the record.
 */
export function servedOfWritten(storedText: string, revision: string): string {
  const at = storedText.lastIndexOf(STAMP_KEY);
  const stamped =
    at > 0 &&
    (storedText[at - 1] === "," || storedText[at - 1] === "{") &&
    /^\d+}$/.test(storedText.slice(at + STAMP_KEY.length));
  // Up to and including the "{" or "," before the stamp; without one, all but the closing "}".
  let body = stamped ? storedText.slice(0, at) : storedText.slice(0, -1);
  if (!body.endsWith("{") && !body.endsWith(",")) body += ",";
  return `${body}"${REVISION_MEMBER}":${JSON.stringify(revision)}}`;
}
