/**
 * Named leases on etcd leases, the way Kubernetes leader election holds ownership: the key
 * `/commissaire/leases/<name>` holds the holder's name and is attached to an etcd lease of the
 * TTL, so etcd deletes it when its holder stops renewing. Taking a free lease is one transaction
 * on the key's absence; renewing attaches the key to a fresh etcd lease only while its value is
 * still the holder's.
 */
import type { EtcdClient } from "../../config/etcd-client.js";
import type { LeaseGrant, LeaseHolding, LeaseStore } from "../handler.js";
import { checkTtl, leaseHeldError, leaseLostError } from "../leases.js";
import { b64, type EtcdKv } from "./etcd-kv.js";
import { ETCD_ROOT } from "./etcd-layout.js";

const keyOf = (name: string) => `${ETCD_ROOT}/leases/${name}`;

export class EtcdLeases implements LeaseStore {
  /** The etcd lease each of our holds is attached to, to revoke it when replaced or released. */
  private readonly attached = new Map<string, string>();

  constructor(
    private readonly client: EtcdClient,
    private readonly kv: EtcdKv,
  ) {}

  private async grant(ttlMs: number): Promise<string> {
    checkTtl(ttlMs);
    const reply = await this.client.rpc("/v3/lease/grant", {
      TTL: String(Math.ceil(ttlMs / 1000)),
    });
    return String(reply.ID);
  }

  private revoke(id: string | undefined): void {
    if (id) void this.client.rpc("/v3/lease/revoke", { ID: id }).catch(() => undefined);
  }

  private hold(name: string, id: string): void {
    const previous = this.attached.get(`${name}`);
    this.attached.set(name, id);
    if (previous !== id) this.revoke(previous);
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    const id = await this.grant(ttlMs);
    const taken = await this.kv.put(keyOf(name), holder, "0", id);
    if (taken.succeeded) {
      this.hold(name, id);
      return { name, holder, ttlMs };
    }
    // Held already: by this holder it is a renewal, by another a refusal.
    if (await this.attach(name, holder, id)) return { name, holder, ttlMs };
    this.revoke(id);
    throw leaseHeldError(name, holder, null);
  }

  private async attach(name: string, holder: string, id: string): Promise<boolean> {
    const put = { request_put: { key: b64(keyOf(name)), value: b64(holder), lease: id } };
    if (!(await this.kv.ifValue(keyOf(name), holder, put))) return false;
    this.hold(name, id);
    return true;
  }

  async renew(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    const id = await this.grant(ttlMs);
    if (await this.attach(name, holder, id)) return { name, holder, ttlMs };
    this.revoke(id);
    const current = await this.kv.get(keyOf(name));
    throw current ? leaseHeldError(name, holder, null) : leaseLostError(name, holder);
  }

  async release(name: string, holder: string): Promise<boolean> {
    const remove = { request_delete_range: { key: b64(keyOf(name)) } };
    const released = await this.kv.ifValue(keyOf(name), holder, remove);
    if (released) {
      this.revoke(this.attached.get(name));
      this.attached.delete(name);
    }
    return released;
  }

  /** etcd deletes a key with its etcd lease, so every key left is a lease held now. */
  async list(prefix: string): Promise<LeaseHolding[]> {
    const root = keyOf("");
    const kvs = await this.kv.getPrefix(keyOf(prefix));
    return kvs.map((kv) => ({ name: kv.key.slice(root.length), holder: kv.value }));
  }

  close(): void {
    this.attached.clear();
  }
}
