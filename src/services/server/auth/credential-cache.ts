/**
 * Credentials verified a moment ago, so a client that sends its password with every request does
 * not pay a full scrypt or bcrypt each time. Keys are HMACs of the credential under a key made for
 * this process: the plain password is never kept. Entries live `ttlMs`; the table holds at most
 * `maxEntries` (the oldest goes first).
 */
import { createHmac, randomBytes } from "node:crypto";

export interface CredentialCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { user: string; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The cache key of a credential given as its parts (scheme, user, password...). */
  keyOf(...parts: string[]): string {
    const mac = createHmac("sha256", this.key);
    for (const part of parts) mac.update(`${part.length}:${part}`);
    return mac.digest("base64");
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.user;
  }

  set(key: string, user: string): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { user, expires: this.now() + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
