/**
 * The `etcd` store handler (etcd v3 API). Options: `server_url` (one URL or a list; default
 * http://127.0.0.1:2379, or ETCD_MACHINES when set), `certificate_path` + `certificate_key_path`
 * (client certificate), `certificate_ca_path`; ETCD_* variables fill what the options leave out.
 * "Created" versus "updated" is decided by etcd in one transaction (the key's version is 0 or
 * not), so two concurrent saves of a new record never both report "created". A record's revision
 * is its key's mod_revision; a conditional save is one transaction on it (etcd-kv.ts). Leases are
 * etcd leases (etcd-leases.ts).
 *
 * Reads are served from a watch cache (etcd-cache.ts, etcd-watch.ts; option `watch_cache`,
 * default true): a get or list with a `min_revision` waits (up to 2 s) until the cache has
 * reached it, and with `consistent_reads: true` every read first asks etcd for its current
 * revision and waits for the cache to reach that (linearizable, the kube-apiserver way). A read
 * the cache cannot serve in time, or while its watch is down, goes to etcd.
 */

import { ConfigError } from "../../config/errors.js";
import { EtcdClient } from "../../config/etcd-client.js";
import { type EtcdEnvSettings, etcdSettingsFromEnv } from "../../config/etcd-env.js";
import type { ModelType } from "../../models/index.js";
import { preconditionFailed } from "../conditions.js";
import {
  type HandlerContext,
  type SaveOutcome,
  type Stored,
  type StoredRecord,
  type StoreHandler,
  StoreUnavailableError,
  type WriteCondition,
} from "../handler.js";
import { type ServedReads, servedOfWritten } from "../served-record.js";
import { EtcdCache } from "./etcd-cache.js";
import { b64, EtcdKv, MAX_TXN_PUTS, unb64 } from "./etcd-kv.js";
import { ETCD_ROOT, etcdLayout, idOfKey } from "./etcd-layout.js";
import { EtcdLeases } from "./etcd-leases.js";
import { EtcdCachedReads } from "./etcd-reads.js";
import { EtcdWatch } from "./etcd-watch.js";

export const DEFAULT_ETCD_URL = "http://127.0.0.1:2379";
const CALL_TIMEOUT_MS = 5000;

function booleanOption(options: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw new ConfigError(`option "${name}" must be true or false`);
  return value;
}

function stringOption(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ConfigError(`option "${name}" must be a string`);
  return value;
}

/** The connection settings: handler options first, then ETCD_* variables, then the default URL. */
export function etcdHandlerSettings(
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): EtcdEnvSettings {
  const fromEnv = etcdSettingsFromEnv(env);
  const url = options.server_url;
  let hosts: string[];
  if (url === undefined || url === null) hosts = fromEnv?.hosts ?? [DEFAULT_ETCD_URL];
  else if (typeof url === "string" && url !== "")
    hosts = url
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  else if (
    Array.isArray(url) &&
    url.length > 0 &&
    url.every((u) => typeof u === "string" && u !== "")
  )
    hosts = url as string[];
  else throw new ConfigError('option "server_url" must be a URL or a non-empty list of URLs');
  const settings: EtcdEnvSettings = { hosts };
  const cert = stringOption(options, "certificate_path") ?? fromEnv?.certPath;
  const key = stringOption(options, "certificate_key_path") ?? fromEnv?.keyPath;
  const ca = stringOption(options, "certificate_ca_path") ?? fromEnv?.caPath;
  if (cert) settings.certPath = cert;
  if (key) settings.keyPath = key;
  if (ca) settings.caPath = ca;
  if (fromEnv?.username) settings.username = fromEnv.username;
  if (fromEnv?.password !== undefined) settings.password = fromEnv.password;
  return settings;
}

export class EtcdStoreHandler implements StoreHandler {
  static readonly secret = false;
  static readonly revisions = true;
  readonly type = "etcd";
  readonly secret = false;
  readonly name: string;
  readonly hosts: string[];
  private readonly client: EtcdClient;
  private readonly kv: EtcdKv;
  readonly leases: EtcdLeases;
  /** The watch cache's reads (absent with `watch_cache: false`). */
  readonly reads?: ServedReads;
  private readonly cache = new EtcdCache();
  /** Follows etcd into the cache; null without a cache. */
  readonly watch: EtcdWatch | null;

  static checkOptions(options: Record<string, unknown>): void {
    booleanOption(options, "watch_cache", true);
    booleanOption(options, "consistent_reads", false);
    // Throws on bad URLs, an incomplete certificate pair or unreadable files.
    new EtcdClient(etcdHandlerSettings(options, {})).close();
  }

  constructor(context: HandlerContext) {
    this.name = context.name;
    const settings = etcdHandlerSettings(context.options, context.env);
    this.hosts = settings.hosts;
    // Every call has a deadline: an unreachable etcd is an error, never a hang.
    this.client = new EtcdClient(settings, { timeoutMs: CALL_TIMEOUT_MS });
    this.kv = new EtcdKv(this.client);
    this.leases = new EtcdLeases(this.client, this.kv);
    const cached = booleanOption(context.options, "watch_cache", true);
    this.watch = cached ? new EtcdWatch(this.client, this.cache, `${ETCD_ROOT}/`) : null;
    if (this.watch)
      this.reads = new EtcdCachedReads({
        cache: this.cache,
        watch: this.watch,
        consistent: booleanOption(context.options, "consistent_reads", false),
        layout: (type) => this.layout(type),
        attempt: (action, run) => this.attempt(action, run),
        etcdGet: (key) => this.kv.get(key),
        etcdList: (prefix) => this.kv.getPrefix(prefix),
        etcdRevision: async () => {
          const reply = await this.client.rpc("/v3/kv/range", {
            key: b64(`${ETCD_ROOT}/`),
            limit: 1,
            count_only: true,
          });
          return Number((reply.header as Record<string, unknown> | undefined)?.revision ?? 0);
        },
      });
  }

  private layout(type: ModelType) {
    const layout = etcdLayout(type.name);
    if (!layout)
      throw new StoreUnavailableError(
        this.name,
        `hold ${type.name}`,
        new Error("etcd does not store this model type"),
      );
    return layout;
  }

  private async attempt<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(this.name, action, err);
    }
  }

  async save(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ): Promise<SaveOutcome> {
    const path = this.layout(type).key(key);
    // Encoded once: the text etcd stores is also, its stamp swapped for the revision, the text
    // the cache serves.
    const text = JSON.stringify(record);
    const result = await this.attempt(`save ${type.name} ${key}`, () =>
      this.kv.put(path, text, condition?.ifRevision),
    );
    if (!result.succeeded) throw preconditionFailed(type, key, condition!, result.revision);
    const revision = result.revision!;
    const served = servedOfWritten(text, revision);
    // In the cache before the caller hears of it: this process reads its own writes.
    this.cache.apply(path, { served }, Number(revision));
    return { created: result.created, revision };
  }

  /** One etcd transaction for the batch; null when it is too large for one or names a key twice. */
  async saveMany(
    type: ModelType,
    items: { key: string; record: StoredRecord; condition?: WriteCondition }[],
  ): Promise<SaveOutcome[] | null> {
    const layout = this.layout(type);
    if (items.length > MAX_TXN_PUTS || new Set(items.map((i) => i.key)).size !== items.length)
      return null;
    const puts = items.map((i) => ({
      key: layout.key(i.key),
      value: JSON.stringify(i.record),
      ifRevision: i.condition?.ifRevision,
    }));
    const result = await this.attempt(`save ${items.length} ${type.name} records`, () =>
      this.kv.putMany(puts),
    );
    if (!result.succeeded) {
      for (const [n, item] of items.entries()) {
        const expected = item.condition?.ifRevision;
        const current = result.current[n] ?? null;
        if (expected !== undefined && (expected === "0" ? current !== null : current !== expected))
          throw preconditionFailed(type, item.key, item.condition!, current);
      }
      throw new StoreUnavailableError(
        this.name,
        `save ${type.name}`,
        new Error("transaction refused"),
      );
    }
    return puts.map((put, n) => {
      const served = servedOfWritten(put.value, result.revision);
      this.cache.apply(put.key, { served }, Number(result.revision));
      return { created: result.created[n]!, revision: result.revision };
    });
  }

  async get(type: ModelType, key: string): Promise<Stored | null> {
    const path = this.layout(type).key(key);
    const kv = await this.attempt(`read ${type.name} ${key}`, () => this.kv.get(path));
    return kv === null
      ? null
      : { record: JSON.parse(kv.value) as StoredRecord, revision: kv.revision };
  }

  async delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    const path = this.layout(type).key(key);
    const reply = await this.attempt(`delete ${type.name} ${key}`, () =>
      this.client.rpc("/v3/kv/deleterange", { key: b64(path), prev_kv: true }),
    );
    const previous = (reply.prev_kvs as Record<string, unknown>[] | undefined)?.[0];
    if (!previous) return null;
    const revision = (reply.header as Record<string, unknown> | undefined)?.revision;
    this.cache.apply(path, null, Number(revision ?? 0));
    return JSON.parse(unb64(previous.value)) as StoredRecord;
  }

  async list(type: ModelType): Promise<Stored[]> {
    const layout = this.layout(type);
    const all = await this.attempt(`list ${type.name}`, () => this.kv.getPrefix(layout.prefix));
    return all
      .filter((kv) => idOfKey(layout, kv.key) !== null)
      .map((kv) => ({ record: JSON.parse(kv.value) as StoredRecord, revision: kv.revision }));
  }

  /** Answers once etcd does (and the cache is loaded and following it). */
  async probe(): Promise<void> {
    await this.attempt("answer", async () => {
      if (this.watch) await this.watch.start();
      else await this.kv.get(`${ETCD_ROOT}/`);
    });
  }

  async close(): Promise<void> {
    this.watch?.close();
    this.leases.close();
    this.client.close();
  }
}
