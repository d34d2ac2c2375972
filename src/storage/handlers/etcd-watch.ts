/**
 * Keeps the watch cache current: loads every key under /commissaire with the revision of that
 * read, then follows an etcd watch from the next revision.
 *
 * - A watch that ends (etcd restarted, connection lost, history compacted, an etcd whose revision
 *   went back) makes the cache not live at once (reads go to etcd) and reload: a fresh read of
 *   everything and a new watch from its revision. Resuming from the old revision would serve
 *   what the cache held until the missed events arrived; a reload is one range read.
 * - Retries back off up to 2 s; the cache stays not live meanwhile.
 */
import type { EtcdClient } from "../../config/etcd-client.js";
import type { EtcdCache } from "./etcd-cache.js";
import { b64, prefixEnd, unb64 } from "./etcd-kv.js";

type Json = Record<string, unknown>;

const MAX_BACKOFF_MS = 2000;

export class EtcdWatch {
  private handle: { close(): void } | null = null;
  private closed = false;
  private starting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private held: Promise<void> | null = null;

  constructor(
    private readonly client: EtcdClient,
    private readonly cache: EtcdCache,
    private readonly root: string,
    private readonly onProblem: (message: string, err?: unknown) => void = () => undefined,
  ) {}

  /** Loads and follows; resolves once the cache is live, rejects when etcd fails. */
  start(): Promise<void> {
    if (this.cache.live || this.closed) return Promise.resolve();
    this.starting ??= this.run()
      .catch((err: unknown) => {
        this.retry();
        throw err;
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  private async run(): Promise<void> {
    if (this.held) await this.held;
    await this.reload();
  }

  private async reload(): Promise<void> {
    const reply = await this.client.rpc("/v3/kv/range", {
      key: b64(this.root),
      range_end: prefixEnd(this.root),
    });
    const revision = Number((reply.header as Json | undefined)?.revision ?? 0);
    const kvs = ((reply.kvs as Json[] | undefined) ?? []).map((kv) => ({
      key: unb64(kv.key),
      value: unb64(kv.value),
      revision: String(kv.mod_revision ?? "0"),
    }));
    this.cache.replace(kvs, revision);
    await this.follow(revision + 1);
  }

  /** Opens the watch from `from`; resolves when etcd has created it. */
  private follow(from: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let created = false;
      const handle = this.client.watch(
        { key: b64(this.root), range_end: prefixEnd(this.root), start_revision: String(from) },
        (message) => {
          const problem = this.onMessage(message, from);
          if (problem) {
            handle.close();
            return;
          }
          if (!created && this.cache.live) {
            created = true;
            this.failures = 0;
            resolve();
          }
        },
        (reason) => {
          if (this.handle === handle) this.handle = null;
          this.cache.setLive(false);
          if (!created) reject(reason);
          else this.onProblem("etcd watch lost; reloading", reason);
          this.retry();
        },
      );
      this.handle = handle;
    });
  }

  /** Applies one message of the watch stream; a reason when the watch must be dropped. */
  private onMessage(message: Json, from: number): string | null {
    const result = (message.result ?? message) as Json;
    if (message.error) {
      this.onProblem("etcd watch failed", message.error);
      return "error";
    }
    const header = result.header as Json | undefined;
    const compacted = Number(result.compact_revision ?? 0);
    if (result.canceled || compacted > 0) {
      this.onProblem(`etcd watch cancelled (compacted to ${compacted}); reloading`);
      return "cancelled";
    }
    const headerRevision = Number(header?.revision ?? 0);
    if (result.created) {
      // etcd's revision behind what we hold: restored or replaced; events cannot repair that.
      if (headerRevision < from - 1) {
        this.onProblem(
          `etcd is at revision ${headerRevision}, behind ours (${from - 1}); reloading`,
        );
        return "went back";
      }
      this.cache.setLive(true);
      return null;
    }
    const events = (result.events as Json[] | undefined) ?? [];
    let last = 0;
    for (const event of events) {
      const kv = event.kv as Json;
      const revision = Number(kv.mod_revision ?? 0);
      const key = unb64(kv.key);
      // Mostly this process's own writes, in the cache since etcd confirmed them: not decoded.
      if (!this.cache.holds(key, revision))
        this.cache.apply(key, event.type === "DELETE" ? null : unb64(kv.value), revision);
      last = Math.max(last, revision);
    }
    // Events come in revision order; a message without events is a progress notification,
    // which etcd sends only when the watch has caught up with its header revision.
    this.cache.advance(events.length ? last : headerRevision);
    return null;
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    this.failures += 1;
    const wait = Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(this.failures, 6));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start().catch((err) => {
        this.onProblem("etcd watch not restarted", err);
        this.retry();
      });
    }, wait);
    this.retryTimer.unref();
  }

  /**
   * Test seam: drops the watch and holds it down until the returned function is called, as a
   * lost connection would.
   */
  interrupt(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((r) => (release = r));
    this.handle?.close();
    return () => {
      this.held = null;
      release();
    };
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.handle?.close();
    this.cache.close();
  }
}
