/**
 * Which hosts this process checks. The hosts fall into a fixed number of shards (a hash of the
 * address); each shard is held by at most one watcher process at a time through the storage
 * lease `watcher-shard:<n>`, so no host is ever checked by two processes. Each process also holds
 * `watcher-process:<id>` while it lives, so the others see it before it holds any shard. Every
 * round a process renews what it holds, lists the watcher leases, and takes free shards up to its
 * fair share (shards / live processes, rounded up) or gives back what it holds beyond it. A
 * process that dies stops renewing: its shards are free once their leases expire, and the others
 * take them in their next round.
 */
import type { Logger } from "../../base/logger.js";
import { StoragePreconditionError } from "../../bus/errors.js";
import type { StorageClient } from "../../storage/client.js";
import { addressHash } from "./schedule.js";

export const SHARD_LEASE_PREFIX = "watcher-shard:";
export const PROCESS_LEASE_PREFIX = "watcher-process:";
const WATCHER_LEASES = "watcher-";

type LeaseCalls = Pick<
  StorageClient,
  "acquireLease" | "renewLease" | "releaseLease" | "listLeases"
>;

/** The shard a host belongs to (salted, so it does not follow the host's place on the wheel). */
export function shardOf(address: string, shards: number): number {
  return addressHash(`shard|${address}`) % shards;
}

export class ShardLeases {
  /**
   * Shard -> since when this process holds it (the grant's answer) and until when it may count
   * on holding it (local clock).
   */
  private readonly held = new Map<number, { since: number; until: number }>();
  /** Live watcher processes seen in the last round (this one included). */
  processes = 1;
  private logged = 0;

  constructor(
    private readonly storage: LeaseCalls,
    readonly self: string,
    readonly shards: number,
    readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Our hold ends a little before the storage's: the lease was granted after we asked. */
  private until(askedAt: number): number {
    return askedAt + this.ttlMs - Math.min(500, this.ttlMs / 10);
  }

  get count(): number {
    return this.held.size;
  }

  /**
   * Whether this process holds the shard now and held it already at `dueAt`: a check due before
   * the shard came here was its previous holder's to make (a timer running late must not make it
   * again).
   */
  holds(shard: number, now: number = Date.now(), dueAt: number = now): boolean {
    const hold = this.held.get(shard);
    return hold !== undefined && hold.since <= dueAt && hold.until > now;
  }

  owns(address: string, now: number = Date.now(), dueAt: number = now): boolean {
    return this.holds(shardOf(address, this.shards), now, dueAt);
  }

  /** One round: renew, look, then take or give back shards toward the fair share. */
  async round(): Promise<void> {
    const ttl = this.ttlMs / 1000;
    await this.storage.acquireLease(`${PROCESS_LEASE_PREFIX}${this.self}`, this.self, ttl);
    await Promise.all([...this.held.keys()].map((shard) => this.renew(shard, ttl)));
    const leases = await this.storage.listLeases(WATCHER_LEASES);
    const live = new Set([this.self]);
    const taken = new Map<number, string>();
    for (const { name, holder } of leases) {
      if (name.startsWith(PROCESS_LEASE_PREFIX)) live.add(holder);
      if (!name.startsWith(SHARD_LEASE_PREFIX)) continue;
      const shard = Number(name.slice(SHARD_LEASE_PREFIX.length));
      if (Number.isInteger(shard) && shard >= 0 && shard < this.shards) {
        taken.set(shard, holder);
        live.add(holder);
      }
    }
    // A shard that storage says another holds is not ours, whatever we thought.
    for (const [shard, holder] of taken) if (holder !== this.self) this.held.delete(shard);
    this.processes = live.size;
    const fair = Math.ceil(this.shards / live.size);
    if (this.held.size > fair) await this.giveBack(this.held.size - fair);
    else if (this.held.size < fair) await this.take(fair - this.held.size, taken);
    if (this.held.size !== this.logged) {
      this.logged = this.held.size;
      this.logger.info({ shards: this.held.size, processes: live.size }, "shards held");
    }
  }

  private async renew(shard: number, ttl: number): Promise<void> {
    const askedAt = Date.now();
    try {
      await this.storage.renewLease(`${SHARD_LEASE_PREFIX}${shard}`, this.self, ttl);
      const hold = this.held.get(shard);
      if (hold) hold.until = this.until(askedAt);
    } catch (err) {
      if (!(err instanceof StoragePreconditionError)) throw err;
      this.held.delete(shard);
      this.logger.warn({ shard }, "shard lease lost: its hosts are another process's now");
    }
  }

  private async take(wanted: number, taken: ReadonlyMap<number, string>): Promise<void> {
    const free: number[] = [];
    for (let shard = 0; shard < this.shards; shard++)
      if (!taken.has(shard) && !this.held.has(shard)) free.push(shard);
    // Random picks, so processes taking at the same moment mostly try different shards.
    for (let i = free.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [free[i], free[j]] = [free[j]!, free[i]!];
    }
    const ttl = this.ttlMs / 1000;
    await Promise.all(
      free.slice(0, wanted).map(async (shard) => {
        const askedAt = Date.now();
        try {
          await this.storage.acquireLease(`${SHARD_LEASE_PREFIX}${shard}`, this.self, ttl);
          this.held.set(shard, { since: Date.now(), until: this.until(askedAt) });
        } catch (err) {
          if (!(err instanceof StoragePreconditionError)) throw err;
        }
      }),
    );
  }

  /** Stops checking the shards first, then releases them: never two checkers at once. */
  private async giveBack(count: number): Promise<void> {
    const shards = [...this.held.keys()].slice(-count);
    for (const shard of shards) this.held.delete(shard);
    await Promise.all(
      shards.map((shard) => this.storage.releaseLease(`${SHARD_LEASE_PREFIX}${shard}`, this.self)),
    );
  }

  /** On stop: everything given back, so the others take the shards at their next round. */
  async releaseAll(): Promise<void> {
    const shards = [...this.held.keys()];
    this.held.clear();
    await Promise.all([
      ...shards.map((shard) =>
        this.storage.releaseLease(`${SHARD_LEASE_PREFIX}${shard}`, this.self),
      ),
      this.storage.releaseLease(`${PROCESS_LEASE_PREFIX}${this.self}`, this.self),
    ]);
  }
}
