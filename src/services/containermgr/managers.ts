/**
 * The container managers a service knows, by name: built from the stored ContainerManagerConfigs
 * and kept current. A notification carries the safe form (its secret options hidden), so on each
 * one the full record is read with storage.get; a manager is rebuilt only when its record changed.
 * Work on one name is done in order, so a slow read for an update never revives a deleted manager.
 */
import type { Logger } from "../../base/logger.js";
import { StorageLookupError } from "../../bus/errors.js";
import { ConfigError } from "../../config/errors.js";
import {
  type ContainerManager,
  createManager,
  managerError,
  Reason,
} from "../../containermgr/index.js";
import { ContainerManagerConfig } from "../../models/index.js";
import type { StorageClient } from "../../storage/client.js";

interface Entry {
  /** The record it was built from (full form), to tell a change from a repeat. */
  record: string;
  manager?: ContainerManager;
  /** Why the record could not become a manager (a ConfigError's message, no secret in it). */
  problem?: string;
}

export class ManagerSet {
  private readonly entries = new Map<string, Entry>();
  private readonly queues = new Map<string, Promise<void>>();
  /** When each name last changed by a notification, on a counter: a slower reload's list is older. */
  private readonly touched = new Map<string, number>();
  private clock = 0;

  constructor(
    private readonly storage: StorageClient,
    private readonly logger: Logger,
  ) {}

  /** The names known (built or refused). */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The manager of that name, or -20001 saying why there is none. */
  get(name: string): ContainerManager {
    const entry = this.entries.get(name);
    if (entry?.manager) return entry.manager;
    if (entry?.problem) throw managerError(name, null, Reason.BAD_CONFIGURATION, entry.problem);
    throw managerError(
      name,
      null,
      Reason.UNKNOWN_MANAGER,
      `container manager "${name}" does not exist`,
    );
  }

  /** Runs work for one name after the work already queued for it. */
  private inOrder(name: string, work: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(name) ?? Promise.resolve()).then(work);
    // What is queued never rejects (the caller gets the failure from `next`), and is forgotten
    // once it settles unless more work came after it.
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return next;
  }

  private async apply(config: ContainerManagerConfig): Promise<void> {
    const record = JSON.stringify(ContainerManagerConfig.toJson(config));
    const old = this.entries.get(config.name);
    if (old?.record === record) return;
    // The new one is built before the old one goes: calls meanwhile use the old one.
    let entry: Entry;
    try {
      entry = { record, manager: await createManager(config, this.logger) };
      this.logger.info(
        { manager: config.name, type: config.type },
        old ? "container manager updated" : "container manager added",
      );
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      entry = { record, problem: err.message };
      this.logger.warn({ manager: config.name, reason: err.message }, "container manager refused");
    }
    this.entries.set(config.name, entry);
    old?.manager?.close();
  }

  private drop(name: string): void {
    const old = this.entries.get(name);
    if (!old) return;
    old.manager?.close();
    this.entries.delete(name);
    this.logger.info({ manager: name }, "container manager removed");
  }

  /** Reads the record named by a notification and applies it (or drops it when gone). */
  changed(name: string, deleted: boolean): Promise<void> {
    return this.inOrder(name, async () => {
      this.touched.set(name, ++this.clock);
      if (deleted) return this.drop(name);
      try {
        await this.apply(await this.storage.get(ContainerManagerConfig, { name }));
      } catch (err) {
        if (err instanceof StorageLookupError) return this.drop(name);
        throw err;
      }
    });
  }

  /** Makes the set what storage holds: new and changed records applied, vanished ones dropped. */
  async reload(): Promise<void> {
    const since = this.clock;
    const configs = await this.storage.list(ContainerManagerConfig);
    const listed = new Set(configs.map((c) => c.name));
    // A name a notification changed since the list was asked for is already newer than it.
    const stale = (name: string) => (this.touched.get(name) ?? 0) > since;
    await Promise.all([
      ...configs.map((c) =>
        this.inOrder(c.name, async () => {
          if (!stale(c.name)) await this.apply(c);
        }),
      ),
      ...[...this.entries.keys()]
        .filter((n) => !listed.has(n))
        .map((n) =>
          this.inOrder(n, async () => {
            if (!stale(n)) this.drop(n);
          }),
        ),
    ]);
  }

  close(): void {
    for (const name of [...this.entries.keys()]) this.drop(name);
  }
}
