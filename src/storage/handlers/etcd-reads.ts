/**
 * Reads of the etcd handler served from its watch cache (etcd-cache.ts), falling back to etcd
 * whenever the cache cannot vouch for what the read needs:
 * - not live (starting, reloading, etcd unreachable): etcd answers, and the watch is (re)started;
 * - `min_revision` beyond the cache: wait up to FRESHNESS_WAIT_MS for the watch, then etcd;
 * - `consistent_reads`: etcd's current revision first, then the same wait.
 */
import { type ModelType, REVISION_MEMBER } from "../../models/index.js";
import type { StoredRecord } from "../handler.js";
import {
  type ReadFreshness,
  type ServedReads,
  type ServedRecord,
  serve,
} from "../served-record.js";
import type { EtcdCache } from "./etcd-cache.js";
import type { RevisionedKv } from "./etcd-kv.js";
import { type etcdLayout, idOfKey } from "./etcd-layout.js";
import type { EtcdWatch } from "./etcd-watch.js";

/** How long a read waits for the cache to reach the revision it needs before asking etcd. */
export const FRESHNESS_WAIT_MS = 2000;

type Layout = NonNullable<ReturnType<typeof etcdLayout>>;

export interface CachedReadsContext {
  cache: EtcdCache;
  watch: EtcdWatch;
  consistent: boolean;
  layout(type: ModelType): Layout;
  /** Runs an etcd call, a failure becoming the handler's StoreUnavailableError. */
  attempt<T>(action: string, run: () => Promise<T>): Promise<T>;
  etcdGet(key: string): Promise<RevisionedKv | null>;
  etcdList(prefix: string): Promise<RevisionedKv[]>;
  etcdRevision(): Promise<number>;
}

export class EtcdCachedReads implements ServedReads {
  constructor(private readonly c: CachedReadsContext) {}

  /** Whether the cache may answer a read that needs `freshness` (waiting, bounded); else etcd. */
  private async fresh(freshness: ReadFreshness, held?: ServedRecord): Promise<boolean> {
    const { cache, consistent } = this.c;
    if (!cache.live) {
      this.c.watch.start().catch(() => undefined);
      return false;
    }
    let target = freshness.minRevision === undefined ? 0 : Number(freshness.minRevision);
    // The record itself is at least that new: what a caller wrote is what it reads.
    if (!consistent && held && Number(held.revision) >= target) return true;
    if (consistent)
      target = Math.max(target, await this.c.attempt("read its revision", this.c.etcdRevision));
    return cache.reach(target, FRESHNESS_WAIT_MS);
  }

  async get(type: ModelType, key: string, freshness: ReadFreshness): Promise<ServedRecord | null> {
    const layout = this.c.layout(type);
    const table = this.c.cache.table(type);
    if (await this.fresh(freshness, table.get(key)))
      return this.c.cache.table(type).get(key) ?? null;
    const kv = await this.c.attempt(`read ${type.name} ${key}`, () =>
      this.c.etcdGet(layout.key(key)),
    );
    return kv === null ? null : serve(type, key, kv.value, kv.revision);
  }

  async list(type: ModelType, freshness: ReadFreshness): Promise<ServedRecord[]> {
    const layout = this.c.layout(type);
    if (await this.fresh(freshness)) return this.c.cache.records(type);
    const all = await this.c.attempt(`list ${type.name}`, () => this.c.etcdList(layout.prefix));
    const out: ServedRecord[] = [];
    for (const kv of all) {
      const id = idOfKey(layout, kv.key);
      if (id !== null) out.push(serve(type, id, kv.value, kv.revision));
    }
    return out;
  }

  peek(
    type: ModelType,
    key: string,
  ): { record: StoredRecord; revision: string } | null | undefined {
    if (!this.c.cache.live) return undefined;
    const served = this.c.cache.table(type).get(key);
    if (!served?.json) return served ? undefined : null;
    const record = JSON.parse(served.json) as StoredRecord;
    delete record[REVISION_MEMBER];
    return { record, revision: served.revision };
  }
}
