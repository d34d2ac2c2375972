/** What StorageClient sends and receives for revisions, conditional and partial saves, leases. */
import { type ModelType, REVISION_MEMBER } from "../models/index.js";

/** A model as stored, with the revision a conditional save names. */
export interface Revisioned<T> {
  model: T;
  revision: string;
}

export interface SaveOptions<T> {
  /** Save only if the stored record is at this revision. */
  ifRevision?: string;
  /** Save only if there is no record yet. */
  createOnly?: boolean;
  /** Change only these members of the stored record (a partial save). */
  members?: (keyof T & string)[];
}

/** A read's freshness: served as of at least this revision (a `_revision` from a save or read). */
export interface ReadOptions {
  minRevision?: string;
}

/** The params a read adds for its options (nothing without them, for the original's services). */
export const readParams = (options: ReadOptions): Record<string, unknown> =>
  options.minRevision === undefined ? {} : { min_revision: options.minRevision };

export interface Lease {
  name: string;
  holder: string;
  /** Seconds. */
  ttl: number;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function revisioned<T extends object>(type: ModelType<T>, data: unknown): Revisioned<T> {
  const revision = (data as Record<string, unknown> | null)?.[REVISION_MEMBER];
  return { model: type.parse(data), revision: typeof revision === "string" ? revision : "" };
}

/** What a save sends: the whole validated model, or (partial) its key and the named members. */
export function outgoing<T extends object>(
  type: ModelType<T>,
  model: Partial<T>,
  members: readonly string[] | undefined,
): Record<string, unknown> {
  const full = type.toJson(type.parse(model));
  if (!members) return full;
  const out: Record<string, unknown> = { [type.primaryKey!]: full[type.primaryKey!] };
  for (const m of members) out[m] = full[m];
  return out;
}
