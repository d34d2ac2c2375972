/**
 * When each host is checked: a timing wheel of `interval / tick` buckets, a host in the bucket its
 * address hashes to, so checks spread evenly over the interval and each host keeps its own phase
 * (the same in every process, whatever the membership). Buckets are aligned to the wall clock, so
 * a host's due time is the same in every watcher process.
 */

/**
 * FNV-1a of the address with MurmurHash3's finaliser: cheap and stable, and addresses that differ
 * only in their last character still land far apart (FNV alone mixes the last one poorly).
 */
export function addressHash(address: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) {
    h ^= address.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface DueCheck {
  address: string;
  /** When it should have started (ms since the epoch). */
  dueAt: number;
}

export class CheckSchedule {
  readonly bucketCount: number;
  private readonly buckets: Set<string>[];
  private readonly bucketOf = new Map<string, number>();
  /** The absolute index (since the epoch) of the last bucket handed out. */
  private last: number;

  constructor(
    readonly intervalMs: number,
    readonly tickMs: number,
    now: number = Date.now(),
  ) {
    this.bucketCount = Math.max(1, Math.round(intervalMs / tickMs));
    this.buckets = Array.from({ length: this.bucketCount }, () => new Set<string>());
    this.last = Math.floor(now / tickMs);
  }

  get size(): number {
    return this.bucketOf.size;
  }

  has(address: string): boolean {
    return this.bucketOf.has(address);
  }

  addresses(): IterableIterator<string> {
    return this.bucketOf.keys();
  }

  add(address: string): void {
    if (this.bucketOf.has(address)) return;
    const bucket = addressHash(address) % this.bucketCount;
    this.bucketOf.set(address, bucket);
    this.buckets[bucket]!.add(address);
  }

  remove(address: string): void {
    const bucket = this.bucketOf.get(address);
    if (bucket === undefined) return;
    this.bucketOf.delete(address);
    this.buckets[bucket]!.delete(address);
  }

  /** The checks due since the last call (at most one interval's worth when the timer was late). */
  due(now: number = Date.now()): DueCheck[] {
    const current = Math.floor(now / this.tickMs);
    const from = Math.max(this.last + 1, current - this.bucketCount + 1);
    const out: DueCheck[] = [];
    for (let abs = from; abs <= current; abs++) {
      const dueAt = abs * this.tickMs;
      for (const address of this.buckets[abs % this.bucketCount]!) out.push({ address, dueAt });
    }
    this.last = Math.max(this.last, current);
    return out;
  }
}
