/**
 * Speaking to the original (Python) storage service as well as to ours. The original lists by the
 * list model's name (`Hosts`, not `Host`), takes only `model_type_name` and `model_json_data`
 * (any other param is a Python TypeError, answered -32600 "unexpected keyword argument"), and
 * serves records without revisions. Our storage accepts all of that too, so the client always
 * speaks the original's shapes and falls back to plain writes only when an extension is refused.
 */
import {
  RemoteProcedureCallError,
  StorageLookupError,
  StoragePreconditionError,
} from "../bus/errors.js";
import { type ModelType, modelTypes, NO_RECORD } from "../models/index.js";

/** The name `storage.list` takes for records of `item`: its list model's, when it has one. */
export function listTypeName(item: ModelType): string {
  for (const type of modelTypes.values()) if (type.list?.itemType === item.name) return type.name;
  return item.name;
}

/** Whether a storage service refused our extension params (the original does: -32600). */
export function refusedExtensions(err: unknown): boolean {
  return (
    err instanceof RemoteProcedureCallError &&
    err.code === -32600 &&
    /unexpected keyword argument/.test(err.message)
  );
}

export interface PlainStorage {
  /** The stored record's JSON, or null when there is none. */
  find(type: ModelType, id: Record<string, unknown>): Promise<Record<string, unknown> | null>;
  /** A save with the original's two params only. */
  save(type: ModelType, data: Record<string, unknown>): Promise<unknown>;
}

/**
 * A conditional or partial save done with plain calls, for a storage service without them: a
 * create-only save checks first that there is no record, a partial save merges the named members
 * into the stored record. Not atomic (the original's own REST server wrote the same way);
 * docs/rest-compatibility.md says so.
 */
export async function plainWrite(
  storage: PlainStorage,
  type: ModelType,
  sent: Record<string, unknown>,
  ifRevision: string | undefined,
  members: readonly string[] | undefined,
): Promise<unknown> {
  const pk = type.primaryKey!;
  const current = await storage.find(type, { [pk]: sent[pk] });
  if (ifRevision === NO_RECORD && current)
    throw new StoragePreconditionError(`${type.name} "${String(sent[pk])}" already exists`, {
      model_type_name: type.name,
    });
  if (!members) return storage.save(type, sent);
  if (!current)
    throw new StorageLookupError(`${type.name} "${String(sent[pk])}" does not exist`, {
      model_type_name: type.name,
    });
  const merged: Record<string, unknown> = { ...current };
  for (const m of members) if (sent[m] !== undefined) merged[m] = sent[m];
  return storage.save(type, merged);
}
