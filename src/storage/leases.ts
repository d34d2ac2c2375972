/**
 * Named leases held in this process: for the memory and file stores, whose records live in one
 * storage process too. A lease is taken when free or expired, renewed only by its holder.
 */
import { StoragePreconditionError } from "../bus/errors.js";
import type { LeaseGrant, LeaseHolding, LeaseStore } from "./handler.js";

interface Held {
  holder: string;
  expiresAt: number;
}

export function leaseHeldError(name: string, holder: string, ttlLeftMs: number | null) {
  return new StoragePreconditionError(
    `lease "${name}" is held by another holder${ttlLeftMs === null ? "" : ` for up to ${Math.ceil(ttlLeftMs / 1000)} s more`}`,
    { lease: name, holder, held: true },
  );
}

export function leaseLostError(name: string, holder: string) {
  return new StoragePreconditionError(
    `lease "${name}" is not held by "${holder}": it expired or was released`,
    { lease: name, holder, held: false },
  );
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs < 1000 || ttlMs > 86_400_000)
    throw new RangeError(`a lease TTL must be 1 to 86400 seconds, got ${ttlMs / 1000}`);
}

export class InProcessLeases implements LeaseStore {
  private readonly held = new Map<string, Held>();

  constructor(private readonly now: () => number = Date.now) {}

  private current(name: string): Held | null {
    const lease = this.held.get(name);
    if (!lease) return null;
    if (lease.expiresAt <= this.now()) {
      this.held.delete(name);
      return null;
    }
    return lease;
  }

  private take(name: string, holder: string, ttlMs: number, mustHold: boolean): LeaseGrant {
    checkTtl(ttlMs);
    const lease = this.current(name);
    if (lease && lease.holder !== holder)
      throw leaseHeldError(name, holder, lease.expiresAt - this.now());
    if (!lease && mustHold) throw leaseLostError(name, holder);
    this.held.set(name, { holder, expiresAt: this.now() + ttlMs });
    return { name, holder, ttlMs };
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    return this.take(name, holder, ttlMs, false);
  }

  async renew(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    return this.take(name, holder, ttlMs, true);
  }

  async release(name: string, holder: string): Promise<boolean> {
    if (this.current(name)?.holder !== holder) return false;
    this.held.delete(name);
    return true;
  }

  async list(prefix: string): Promise<LeaseHolding[]> {
    const out: LeaseHolding[] = [];
    for (const name of this.held.keys()) {
      const lease = name.startsWith(prefix) ? this.current(name) : null;
      if (lease) out.push({ name, holder: lease.holder });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  close(): void {
    this.held.clear();
  }
}
