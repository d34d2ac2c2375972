/**
 * Records with revisions on etcd's v3 JSON gateway: reads give each key's mod_revision, and every
 * conditional write is one transaction comparing it (or the key's absence), so of writers racing
 * on one revision exactly one succeeds.
 */
import type { EtcdClient } from "../../config/etcd-client.js";

export const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
export const unb64 = (s: unknown) =>
  Buffer.from(typeof s === "string" ? s : "", "base64").toString("utf8");

/** The key just past every key with this prefix (etcd's range_end for a prefix), base64. */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]! += 1;
      return bytes.subarray(0, i + 1).toString("base64");
    }
  }
  return Buffer.from([0]).toString("base64");
}

export interface RevisionedKv {
  key: string;
  value: string;
  revision: string;
}

type Json = Record<string, unknown>;

const kvsOf = (reply: Json | undefined): RevisionedKv[] =>
  ((reply?.kvs as Json[] | undefined) ?? []).map((kv) => ({
    key: unb64(kv.key),
    value: unb64(kv.value),
    revision: String(kv.mod_revision ?? "0"),
  }));

/** The most puts one transaction carries (etcd's default --max-txn-ops is 128). */
export const MAX_TXN_PUTS = 128;

export interface TxnPutResult {
  succeeded: boolean;
  /** The revision written (on success) or the stored one (null: no key) on failure. */
  revision: string | null;
  /** Whether the key existed before (on success). */
  created: boolean;
}

export class EtcdKv {
  constructor(private readonly client: EtcdClient) {}

  async get(key: string): Promise<RevisionedKv | null> {
    return kvsOf(await this.client.rpc("/v3/kv/range", { key: b64(key) }))[0] ?? null;
  }

  async getPrefix(prefix: string): Promise<RevisionedKv[]> {
    return kvsOf(
      await this.client.rpc("/v3/kv/range", { key: b64(prefix), range_end: prefixEnd(prefix) }),
    );
  }

  /**
   * Puts the value when the key's mod_revision is `ifRevision` ("0": the key does not exist), or
   * unconditionally without it; one transaction either way.
   */
  async put(
    key: string,
    value: string,
    ifRevision?: string,
    lease?: string,
  ): Promise<TxnPutResult> {
    const put = {
      request_put: { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) },
    };
    const range = { request_range: { key: b64(key) } };
    const absent = { key: b64(key), result: "EQUAL", target: "VERSION", version: "0" };
    const compare =
      ifRevision === undefined || ifRevision === "0"
        ? absent
        : { key: b64(key), result: "EQUAL", target: "MOD", mod_revision: ifRevision };
    const reply = await this.client.rpc("/v3/kv/txn", {
      compare: [compare],
      success: [put],
      failure: [ifRevision === undefined ? put : range],
    });
    // proto3 JSON leaves out false booleans: no "succeeded" means false.
    const succeeded = reply.succeeded === true;
    const header = reply.header as Json | undefined;
    const written = String(header?.revision ?? "0");
    if (ifRevision === undefined) return { succeeded: true, revision: written, created: succeeded };
    if (succeeded) return { succeeded, revision: written, created: ifRevision === "0" };
    const responses = reply.responses as Json[] | undefined;
    const current = kvsOf(responses?.[0]?.response_range as Json | undefined)[0];
    return { succeeded, revision: current?.revision ?? null, created: false };
  }

  /**
   * Puts several values in one transaction: all when every `ifRevision` holds, none otherwise.
   * etcd's default limit is 128 operations a transaction: callers send at most MAX_TXN_PUTS.
   */
  async putMany(items: { key: string; value: string; ifRevision?: string | undefined }[]): Promise<{
    succeeded: boolean;
    revision: string;
    created: boolean[];
    current: (string | null)[];
  }> {
    const compare = items
      .filter((i) => i.ifRevision !== undefined)
      .map((i) =>
        i.ifRevision === "0"
          ? { key: b64(i.key), result: "EQUAL", target: "VERSION", version: "0" }
          : { key: b64(i.key), result: "EQUAL", target: "MOD", mod_revision: i.ifRevision },
      );
    const reply = await this.client.rpc("/v3/kv/txn", {
      compare,
      success: items.map((i) => ({
        request_put: { key: b64(i.key), value: b64(i.value), prev_kv: true },
      })),
      failure: items.map((i) => ({ request_range: { key: b64(i.key) } })),
    });
    const succeeded = reply.succeeded === true || compare.length === 0;
    const responses = (reply.responses as Json[] | undefined) ?? [];
    const revision = String((reply.header as Json | undefined)?.revision ?? "0");
    if (succeeded)
      return {
        succeeded,
        revision,
        created: responses.map((r) => !(r.response_put as Json | undefined)?.prev_kv),
        current: [],
      };
    return {
      succeeded,
      revision,
      created: [],
      current: responses.map(
        (r) => kvsOf(r.response_range as Json | undefined)[0]?.revision ?? null,
      ),
    };
  }

  /** Runs a transaction of one comparison on the key's value and one operation on success. */
  async ifValue(key: string, value: string, then: Json): Promise<boolean> {
    const reply = await this.client.rpc("/v3/kv/txn", {
      compare: [{ key: b64(key), result: "EQUAL", target: "VALUE", value: b64(value) }],
      success: [then],
      failure: [],
    });
    return reply.succeeded === true;
  }
}
