/**
 * The migration of the original's etcd v2 records into our stores, record by record:
 * - a record not stored yet is written create-only (someone writing it meanwhile wins: "kept");
 * - a stored record equal to what the v2 record gives is "unchanged": nothing is written, so a
 *   second run writes nothing;
 * - a stored record that differs is "kept" (our services may have changed it since), unless
 *   `overwrite`, which replaces it conditioned on the revision read;
 * - a record that cannot be migrated is "invalid", with the reason, and skipped.
 * The extension members of ours (MODELS.md) a v2 record cannot carry keep their stored values, as
 * when a Python service saves the record. The source is only ever read.
 */
import { StoragePreconditionError } from "../../bus/errors.js";
import { type ModelType, NO_RECORD } from "../../models/index.js";
import type { StoreHandler } from "../handler.js";
import type { V2Entry } from "./v2-reader.js";
import { type Candidate, classify, type Rejected } from "./v2-records.js";

export type Outcome = "migrated" | "unchanged" | "kept" | "invalid" | "failed";

export interface RecordResult {
  typeName: string;
  id: string;
  from: string;
  outcome: Outcome;
  /** Why (invalid, kept, failed); never a secret member's value. */
  reason?: string;
  notes: string[];
}

export interface MigrationTarget {
  /** The store a record goes to; throws (with the reason) when no store can hold it. */
  handlerFor(type: ModelType, record: Record<string, unknown>): StoreHandler;
}

export interface MigrationOptions {
  dryRun?: boolean;
  overwrite?: boolean;
  /** Called with each result as it is known (to print progress). */
  onResult?: (result: RecordResult) => void;
}

export interface Plan {
  candidates: Candidate[];
  rejected: Rejected[];
  /** Keys under the prefix that hold no record of ours (left alone). */
  others: string[];
}

/** The model types in the order they are written: what others refer to first. */
export const MIGRATED_TYPES = [
  "Network",
  "ContainerManagerConfig",
  "Host",
  "HostCreds",
  "Cluster",
  "ClusterUpgrade",
  "ClusterRestart",
  "ClusterDeploy",
] as const;

/** Reads every entry: the records to write, those rejected, the keys that are not records. */
export function plan(entries: readonly V2Entry[]): Plan {
  const out: Plan = { candidates: [], rejected: [], others: [] };
  for (const entry of entries) {
    const c = classify(entry);
    if (c.kind === "records") out.candidates.push(...c.records);
    else if (c.kind === "rejected") out.rejected.push(c.rejected);
    else out.others.push(c.key);
  }
  const order = (name: string) => MIGRATED_TYPES.indexOf(name as (typeof MIGRATED_TYPES)[number]);
  out.candidates.sort((a, b) => order(a.type.name) - order(b.type.name));
  return out;
}

/** JSON with object members in key order, so equal records compare equal. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The handlers the candidates go to (to probe before anything is written). */
export function handlersFor(candidates: readonly Candidate[], target: MigrationTarget) {
  const handlers = new Set<StoreHandler>();
  for (const c of candidates) {
    try {
      handlers.add(target.handlerFor(c.type, c.data));
    } catch {
      // Reported with the record.
    }
  }
  return handlers;
}

async function migrateOne(
  c: Candidate,
  target: MigrationTarget,
  options: MigrationOptions,
): Promise<RecordResult> {
  const base = { typeName: c.type.name, id: c.key, from: c.from, notes: c.notes };
  let handler: StoreHandler;
  try {
    handler = target.handlerFor(c.type, c.data);
  } catch (err) {
    return { ...base, outcome: "invalid", reason: (err as Error).message };
  }
  try {
    const stored = await handler.get(c.type, c.key);
    const desired: Record<string, unknown> = { ...c.data };
    for (const m of c.type.extensions)
      if (desired[m] === undefined && stored?.record[m] !== undefined)
        desired[m] = stored.record[m];
    const record = c.type.toJson(c.type.parse(desired));
    if (stored) {
      const current = c.type.toJson(c.type.create(stored.record));
      if (canonical(current) === canonical(record)) return { ...base, outcome: "unchanged" };
      if (!options.overwrite)
        return {
          ...base,
          outcome: "kept",
          reason: "differs from the record already stored (--overwrite replaces it)",
        };
    }
    if (options.dryRun) return { ...base, outcome: "migrated" };
    try {
      await handler.save(c.type, c.key, record, { ifRevision: stored?.revision ?? NO_RECORD });
    } catch (err) {
      if (!(err instanceof StoragePreconditionError)) throw err;
      return { ...base, outcome: "kept", reason: "written by someone else during the migration" };
    }
    return { ...base, outcome: "migrated" };
  } catch (err) {
    return { ...base, outcome: "failed", reason: (err as Error).message };
  }
}

/** Migrates the planned records one by one; every result is reported, in order. */
export async function migrate(
  planned: Plan,
  target: MigrationTarget,
  options: MigrationOptions = {},
): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  const report = (r: RecordResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  for (const r of planned.rejected)
    report({
      typeName: r.typeName,
      id: r.id,
      from: r.from,
      outcome: "invalid",
      reason: r.reason,
      notes: [],
    });
  for (const c of planned.candidates) report(await migrateOne(c, target, options));
  return results;
}

export type Counts = Record<Outcome, number>;

/** Results counted per model type, in MIGRATED_TYPES order (every type, even with no record). */
export function countByType(results: readonly RecordResult[]): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  for (const name of MIGRATED_TYPES)
    counts.set(name, { migrated: 0, unchanged: 0, kept: 0, invalid: 0, failed: 0 });
  for (const r of results) counts.get(r.typeName)![r.outcome] += 1;
  return counts;
}
