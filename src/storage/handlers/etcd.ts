/**
 * The `etcd` store handler (etcd v3 API). Options: `server_url` (one URL or a list; default
 * http://127.0.0.1:2379, or ETCD_MACHINES when set), `certificate_path` + `certificate_key_path`
 * (client certificate), `certificate_ca_path`; ETCD_* variables fill what the options leave out.
 * "Created" versus "updated" is decided by etcd in one transaction (the key's version is 0 or
 * not), so two concurrent saves of a new record never both report "created". A record's revision
 * is its key's mod_revision; a conditional save is one transaction on it (etcd-kv.ts). Leases are
 * etcd leases (etcd-leases.ts).
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
import { EtcdKv } from "./etcd-kv.js";
import { ETCD_ROOT, etcdLayout, idOfKey } from "./etcd-layout.js";
import { EtcdLeases } from "./etcd-leases.js";

export const DEFAULT_ETCD_URL = "http://127.0.0.1:2379";
const CALL_TIMEOUT_MS = 5000;

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

  static checkOptions(options: Record<string, unknown>): void {
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
    const result = await this.attempt(`save ${type.name} ${key}`, () =>
      this.kv.put(path, JSON.stringify(record), condition?.ifRevision),
    );
    if (!result.succeeded) throw preconditionFailed(type, key, condition!, result.revision);
    return { created: result.created, revision: result.revision! };
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
    const previous = await this.attempt(`delete ${type.name} ${key}`, () =>
      this.client.delete(path),
    );
    return previous === null ? null : (JSON.parse(previous) as StoredRecord);
  }

  async list(type: ModelType): Promise<Stored[]> {
    const layout = this.layout(type);
    const all = await this.attempt(`list ${type.name}`, () => this.kv.getPrefix(layout.prefix));
    return all
      .filter((kv) => idOfKey(layout, kv.key) !== null)
      .map((kv) => ({ record: JSON.parse(kv.value) as StoredRecord, revision: kv.revision }));
  }

  async probe(): Promise<void> {
    await this.attempt("answer", () => this.kv.get(`${ETCD_ROOT}/`));
  }

  async close(): Promise<void> {
    this.leases.close();
    this.client.close();
  }
}
