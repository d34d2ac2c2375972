/**
 * The etcd handler's watch cache (kube-apiserver's watch cache, in small): every record under
 * /commissaire in memory, in its served form, kept current by an etcd watch (etcd-watch.ts).
 *
 * - `revision`: every event up to this etcd revision is applied. Only the watch advances it.
 * - Our own writes are applied as soon as etcd confirms them (before the caller's reply), per key
 *   and only forward (a record's revision never goes back; a delete leaves a tombstone until the
 *   watch has passed it, so a late event cannot bring the record back).
 * - `live`: the watch is running. While it is not (starting, reloading, etcd unreachable), reads
 *   go to etcd: the cache never answers from data it cannot vouch for.
 */
import { getModelType, type ModelType } from "../../models/index.js";
import { type ServedRecord, serve } from "../served-record.js";
import { recordOfKey } from "./etcd-layout.js";

interface Waiter {
  revision: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

export class EtcdCache {
  private tables = new Map<string, Map<string, ServedRecord>>();
  /** Deleted records (model/id) and the revision of their delete, until the watch passes it. */
  private tombstones = new Map<string, number>();
  private waiters: Waiter[] = [];
  /** Tables with a record added since they were last in key order (etcd's list order). */
  private unsorted = new Set<string>();
  revision = 0;
  live = false;

  /** The table of a model type (records by id). */
  table(type: ModelType): ReadonlyMap<string, ServedRecord> {
    return this.tables.get(type.name) ?? new Map();
  }

  /** The records of a model type in key order, as etcd lists them. */
  records(type: ModelType): ServedRecord[] {
    const table = this.tables.get(type.name);
    if (!table) return [];
    if (this.unsorted.delete(type.name)) {
      const sorted = new Map([...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      this.tables.set(type.name, sorted);
      return [...sorted.values()];
    }
    return [...table.values()];
  }

  /** Replaces everything with a snapshot read at `revision` (a load or reload). */
  replace(kvs: { key: string; value: string; revision: string }[], revision: number): void {
    const tables = new Map<string, Map<string, ServedRecord>>();
    for (const kv of kvs) {
      const where = recordOfKey(kv.key);
      if (!where) continue;
      let table = tables.get(where.modelName);
      if (!table) {
        table = new Map();
        tables.set(where.modelName, table);
      }
      table.set(where.id, serve(getModelType(where.modelName), where.id, kv.value, kv.revision));
    }
    this.tables = tables;
    this.unsorted.clear();
    this.tombstones.clear();
    this.revision = revision;
    this.settle();
  }

  /**
   * Whether a change of this key at `revision` is one the cache has already (its own write, whose
   * watch event follows) or has passed: applying it would change nothing.
   */
  holds(key: string, revision: number): boolean {
    const where = recordOfKey(key);
    return where === null || this.passed(where.modelName, where.id, revision);
  }

  private passed(modelName: string, id: string, revision: number): boolean {
    const current = this.tables.get(modelName)?.get(id);
    if (current && Number(current.revision) >= revision) return true;
    const deleted = this.tombstones.get(`${modelName}/${id}`);
    return deleted !== undefined && deleted >= revision;
  }

  /**
   * One change at `revision` (a watch event, or our own write confirmed by etcd): a put with its
   * value (JSON text as stored, or `served`: the served text of a record the service has just
   * validated and written), or a delete (value null). Older than what the key holds: ignored.
   */
  apply(key: string, value: string | { served: string } | null, revision: number): void {
    const where = recordOfKey(key);
    if (!where) return;
    if (this.passed(where.modelName, where.id, revision)) return;
    const path = `${where.modelName}/${where.id}`;
    const table = this.tables.get(where.modelName);
    const current = table?.get(where.id);
    if (value === null) {
      table?.delete(where.id);
      if (revision > this.revision) this.tombstones.set(path, revision);
      return;
    }
    this.tombstones.delete(path);
    const served: ServedRecord =
      typeof value === "string"
        ? serve(getModelType(where.modelName), where.id, value, String(revision))
        : { key: where.id, revision: String(revision), json: value.served };
    if (!table) this.tables.set(where.modelName, new Map([[where.id, served]]));
    else {
      // An update keeps its place; a new record may be out of key order.
      if (!current) this.unsorted.add(where.modelName);
      table.set(where.id, served);
    }
  }

  /** The watch has delivered everything up to `revision`. */
  advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    for (const [path, at] of this.tombstones) if (at <= revision) this.tombstones.delete(path);
    this.settle();
  }

  setLive(live: boolean): void {
    this.live = live;
    if (live) this.settle();
  }

  /** True once the cache is live and at `revision` or later; false after timeoutMs. */
  reach(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.live && this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        revision,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private settle(): void {
    if (!this.live || this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.revision <= this.revision) {
        clearTimeout(w.timer);
        w.resolve(true);
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** Answers every waiter with "not reached" (the cache is closing). */
  close(): void {
    this.live = false;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.waiters = [];
  }
}
