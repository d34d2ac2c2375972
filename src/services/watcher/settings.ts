/** The watcher's configuration (`watcher` config, seconds as everywhere else). */
import { ConfigError } from "../../config/errors.js";

export interface WatcherSettings {
  intervalMs: number;
  failAfter: number;
  recoverAfter: number;
  freezeShare: number;
  concurrency: number;
  checkTimeoutMs: number;
  /** How often the batched `last_check` writes go out. */
  flushMs: number;
  /** Shards the hosts are split into between watcher processes (one lease each). */
  shards: number;
  /** TTL of a shard lease: a dead process's shards are free again after this. */
  shardTtlMs: number;
}

export const DEFAULT_WATCHER_SETTINGS: WatcherSettings = {
  intervalMs: 60_000,
  failAfter: 3,
  recoverAfter: 2,
  freezeShare: 0.55,
  concurrency: 100,
  checkTimeoutMs: 10_000,
  flushMs: 5_000,
  shards: 64,
  shardTtlMs: 15_000,
};

function positive(config: Record<string, unknown>, name: string, fallback: number): number {
  const value = config[name];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0))
    throw new ConfigError(`configuration member "${name}" must be a positive number`);
  return value;
}

function count(config: Record<string, unknown>, name: string, fallback: number): number {
  const value = positive(config, name, fallback);
  if (!Number.isInteger(value))
    throw new ConfigError(`configuration member "${name}" must be a positive integer`);
  return value;
}

const MIN_DEFAULT_SHARD_TTL_S = 3;

export function readWatcherSettings(config: Record<string, unknown>): WatcherSettings {
  const d = DEFAULT_WATCHER_SETTINGS;
  const intervalMs = positive(config, "interval", d.intervalMs / 1000) * 1000;
  const freezeShare = positive(config, "freeze_share", d.freezeShare);
  if (freezeShare > 1)
    throw new ConfigError(`configuration member "freeze_share" must be at most 1`);
  const shards = count(config, "shards", d.shards);
  if (shards > 4096) throw new ConfigError(`configuration member "shards" must be at most 4096`);
  // Whole seconds (etcd leases are): 1.5 intervals, from 3 s (a round of renewals every second
  // at most: 64 renewals a round) to the default.
  const ttlDefault = Math.min(
    d.shardTtlMs / 1000,
    Math.max(MIN_DEFAULT_SHARD_TTL_S, Math.ceil((intervalMs / 1000) * 1.5)),
  );
  const shardTtl = count(config, "shard_ttl", ttlDefault);
  if (shardTtl > 86_400)
    throw new ConfigError(`configuration member "shard_ttl" must be at most 86400 (seconds)`);
  return {
    intervalMs,
    failAfter: count(config, "fail_after", d.failAfter),
    recoverAfter: count(config, "recover_after", d.recoverAfter),
    freezeShare,
    concurrency: count(config, "concurrency", d.concurrency),
    checkTimeoutMs: positive(config, "check_timeout", Math.min(10, intervalMs / 1000)) * 1000,
    flushMs: Math.min(d.flushMs, intervalMs),
    shards,
    shardTtlMs: shardTtl * 1000,
  };
}
