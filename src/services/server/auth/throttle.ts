/**
 * Throttling of failed logins, per client address and per user name: each has a bucket of
 * `burst` failures that refills by one every `refillSeconds`. An empty bucket turns the next
 * attempts away (429 with Retry-After) before any password is checked, so a guessing flood costs
 * no hashing and a user or address that is not part of it is not slowed.
 */
export interface ThrottleOptions {
  /** Failures allowed in a row before turning attempts away (default 10). */
  burst?: number;
  /** Seconds for one failure to be forgiven (default 6: 10 a minute, sustained). */
  refillSeconds?: number;
  /** Most addresses and users remembered (the oldest are forgotten first). */
  maxEntries?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class LoginThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.burst = options.burst ?? 10;
    this.refillMs = (options.refillSeconds ?? 6) * 1000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds to wait before trying again (0: go ahead). */
  retryAfter(address: string, user: string | null): number {
    let waitMs = 0;
    for (const key of this.keys(address, user)) {
      const tokens = this.tokensOf(key);
      if (tokens < 1) waitMs = Math.max(waitMs, (1 - tokens) * this.refillMs);
    }
    return waitMs === 0 ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
  }

  failed(address: string, user: string | null): void {
    for (const key of this.keys(address, user)) {
      const tokens = Math.max(0, this.tokensOf(key) - 1);
      this.buckets.delete(key);
      while (this.buckets.size >= this.maxEntries) {
        const oldest = this.buckets.keys().next().value;
        if (oldest === undefined) break;
        this.buckets.delete(oldest);
      }
      this.buckets.set(key, { tokens, at: this.now() });
    }
  }

  private keys(address: string, user: string | null): string[] {
    return user === null ? [`address ${address}`] : [`address ${address}`, `user ${user}`];
  }

  private tokensOf(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.burst;
    const refilled = bucket.tokens + (this.now() - bucket.at) / this.refillMs;
    if (refilled >= this.burst) {
      this.buckets.delete(key);
      return this.burst;
    }
    return refilled;
  }
}
