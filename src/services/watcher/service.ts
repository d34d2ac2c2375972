/**
 * The watcher: checks every active, disassociated or failed host once per interval over SSH,
 * marks a host `failed` after repeated failures and restores the hosts it demoted once they
 * answer again, records reboots and flapping, and holds back when most checks fail at once.
 * Several processes split the hosts between them by shard leases (shards.ts).
 */

import { randomUUID } from "node:crypto";
import { StoragePreconditionError } from "../../bus/errors.js";
import { Host, HostCreds } from "../../models/host.js";
import type { RemoteConnector } from "../../remote/executor.js";
import { Limiter } from "../../remote/limiter.js";
import { SshPool } from "../../remote/pool.js";
import { readRemoteSettings } from "../../remote/settings.js";
import type { Figure } from "../../service/health.js";
import type { ServiceOptions } from "../../service/service.js";
import { CommissaireService } from "../../service/service.js";
import { StorageClient } from "../../storage/client.js";
import { hostLeaseName } from "../../storage/host-lease.js";
import { checkHost } from "./checker.js";
import { decide, isWatched, newWatchedHost, record, type WatchedHost } from "./judge.js";
import { PeerReports } from "./peers.js";
import { CheckSchedule, type DueCheck } from "./schedule.js";
import { readWatcherSettings, type WatcherSettings } from "./settings.js";
import { ShardLeases } from "./shards.js";
import { CheckStats, mergeReports, reportFigures, type WatcherReport } from "./stats.js";
import { HostWriter } from "./writer.js";

export const REPORT_KEY = "notify.watcher.report";
/**
 * Fewer checks than this in an interval neither freeze nor thaw marking (one host down is not a
 * mass failure, and an interval this process spent paused says nothing).
 */
export const FREEZE_MIN_CHECKS = 3;

export interface WatcherServiceOptions extends ServiceOptions {
  /** The remote layer (an SshPool from the configuration's `remote` member by default). */
  remote?: RemoteConnector;
  /** This process's name among the watchers (random by default). */
  processId?: string;
}

export class WatcherService extends CommissaireService {
  readonly name = "watcher";
  readonly storage = new StorageClient(this.bus, { subscriber: this });
  readonly settings: WatcherSettings;
  readonly remote: RemoteConnector;
  readonly processId: string;
  readonly hosts = new Map<string, WatchedHost>();
  readonly schedule: CheckSchedule;
  readonly stats = new CheckStats();
  readonly peers: PeerReports;
  readonly shards: ShardLeases;
  readonly writer: HostWriter;
  private readonly creds = new Map<string, HostCreds>();
  private readonly reboots = new Map<string, number>();
  private readonly limiter: Limiter;
  private cycle = { index: -1, checks: 0, failures: 0 };
  frozen = false;
  /** The remote layer was made here (not handed in): onStop closes it. */
  private readonly ownsRemote: boolean;
  /** Called after each check (tests and the benchmark count checks with it). */
  onCheck?: (address: string, ok: boolean) => void;

  constructor(options: WatcherServiceOptions) {
    super(options);
    this.settings = readWatcherSettings(this.config);
    this.ownsRemote = options.remote === undefined;
    this.remote =
      options.remote ?? new SshPool(readRemoteSettings(this.config.remote), this.logger);
    this.processId = options.processId ?? randomUUID();
    this.limiter = new Limiter(this.settings.concurrency);
    this.writer = new HostWriter(this.storage, this.logger);
    const interval = this.settings.intervalMs;
    const tickMs = Math.min(100, interval / 10);
    this.schedule = new CheckSchedule(interval, tickMs);
    const reportMs = Math.min(interval / 2, 5_000);
    this.peers = new PeerReports(this.processId, reportMs * 3);
    const { shards, shardTtlMs } = this.settings;
    this.shards = new ShardLeases(this.storage, this.processId, shards, shardTtlMs, this.logger);
    this.every(tickMs, () => this.tick());
    this.every(this.settings.flushMs, () => this.writer.flush());
    this.every(shardTtlMs / 3, () => this.shards.round(), {
      name: "shard leases",
      immediate: true,
    });
    this.every(reportMs, () => this.publishReport(), { immediate: true });
    // A full reload now and then heals what a missed notification left stale.
    this.every(interval * 10, () => this.reload(), { jitterMs: interval });
  }

  override queues() {
    return [{ name: "watcher", routingKeys: ["watcher.*", "jobs.watcher"] }];
  }

  protected override async onStart(): Promise<void> {
    await this.subscribe(REPORT_KEY, (body) => this.peers.heard(body as WatcherReport));
    await this.storage.onNotify((event, model) => {
      const host = Host.parse(model);
      if (event === "deleted") this.drop(host.address);
      else this.track(host);
    }, Host);
    try {
      await this.reload();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "hosts not read yet");
    }
  }

  protected override async onStop(): Promise<void> {
    await this.writer.flush().catch(() => undefined);
    await this.shards.releaseAll().catch((err: Error) => {
      this.logger.warn({ err: err.message }, "shard leases not released: they expire instead");
    });
    if (this.ownsRemote) await this.remote.close();
  }

  /** A WatcherRecord of the original REST server: watch the host it names. */
  protected override async acceptRecord(body: Record<string, unknown>): Promise<boolean> {
    if (typeof body.address !== "string" || body.address === "") return false;
    try {
      this.track(await this.storage.getHost(body.address));
    } catch (err) {
      this.logger.info(
        { address: body.address, err: (err as Error).message },
        "watcher record for a host not stored",
      );
    }
    return true;
  }

  async reload(): Promise<void> {
    const stored = await this.storage.list(Host);
    const seen = new Set<string>();
    for (const host of stored) {
      seen.add(host.address);
      this.track(host);
    }
    for (const address of [...this.hosts.keys()]) if (!seen.has(address)) this.drop(address);
  }

  /** Takes a stored host's state into the watch list (or out of it). */
  track(host: Host): void {
    if (!isWatched(host.status)) {
      this.drop(host.address);
      return;
    }
    let watched = this.hosts.get(host.address);
    if (!watched) {
      watched = newWatchedHost(host.address);
      this.hosts.set(host.address, watched);
      this.schedule.add(host.address);
    }
    watched.status = host.status;
    watched.demotedFrom = host.watcher_demoted_from;
    if (host.last_boot_id) watched.lastBootId = host.last_boot_id;
    watched.flapping = host.flapping;
    this.reboots.set(host.address, host.reboots);
  }

  drop(address: string): void {
    this.hosts.delete(address);
    this.schedule.remove(address);
    this.creds.delete(address);
    this.reboots.delete(address);
    this.writer.forget(address);
  }

  tick(now: number = Date.now()): void {
    this.closeCycle(now);
    const due = this.schedule.due(now);
    for (const check of due)
      if (this.shards.owns(check.address, now, check.dueAt)) void this.runCheck(check);
  }
  /** At each interval's end: freeze marking when more than freeze_share of its checks failed. */
  private closeCycle(now: number): void {
    const index = Math.floor(now / this.settings.intervalMs);
    if (index === this.cycle.index) return;
    const { checks, failures } = this.cycle;
    // Too few checks (a few hosts, or a pause of this process) say nothing: the state stays.
    if (this.cycle.index >= 0 && checks >= FREEZE_MIN_CHECKS) {
      const frozen = failures / checks > this.settings.freezeShare;
      if (frozen && !this.frozen)
        this.logger.warn(
          { checks, failures },
          "most checks failed in one interval: the fault is likelier on this side; no host is marked failed until this passes",
        );
      else if (!frozen && this.frozen)
        this.logger.info({ checks, failures }, "checks answer again: marking resumes");
      this.frozen = frozen;
    }
    this.cycle = { index, checks: 0, failures: 0 };
  }

  private async runCheck(due: DueCheck): Promise<void> {
    const release = await this.limiter.acquire();
    try {
      // Waited for a slot past the hold of its shard: someone else's host now.
      if (!this.shards.owns(due.address, Date.now(), due.dueAt)) return;
      this.stats.recordStart(Math.max(0, Date.now() - due.dueAt));
      await this.check(due.address, due.dueAt);
    } catch (err) {
      this.logger.error(
        { address: due.address, err: (err as Error).message },
        "check not recorded",
      );
    } finally {
      release();
    }
  }

  private async check(address: string, dueAt: number): Promise<void> {
    let creds = this.creds.get(address);
    if (!creds) {
      creds = await this.storage.get(HostCreds, { address });
      this.creds.set(address, creds);
    }
    const result = await checkHost(this.remote, creds, this.settings.checkTimeoutMs);
    const host = this.hosts.get(address);
    if (!host) return; // deleted meanwhile
    this.stats.recordDone();
    this.cycle.checks += 1;
    if (!result.ok) {
      this.cycle.failures += 1;
      this.creds.delete(address); // read again next time: they may have been fixed
    }
    this.writer.checked(address, new Date().toISOString());
    if (record(host, result.ok)) await this.writer.change(address, { flapping: host.flapping });
    if (result.ok && result.bootId && result.bootId !== host.lastBootId)
      await this.rebooted(host, result.bootId);
    await this.judge(host, result.ok ? "" : result.reason);
    this.logger.debug({ address, ok: result.ok, at: Date.now(), due: dueAt }, "host checked");
    this.onCheck?.(address, result.ok);
  }

  /** A new boot_id: a reboot (or the first sight of the host). */
  private async rebooted(host: WatchedHost, bootId: string): Promise<void> {
    const first = host.lastBootId === "";
    host.lastBootId = bootId;
    const reboots = (this.reboots.get(host.address) ?? 0) + (first ? 0 : 1);
    this.reboots.set(host.address, reboots);
    if (!first) this.logger.info({ address: host.address }, "host rebooted");
    await this.writer.change(host.address, { last_boot_id: bootId, reboots });
  }

  private async judge(host: WatchedHost, reason: string): Promise<void> {
    const decision = decide(host, { ...this.settings, frozen: this.frozen });
    if (decision.kind === "fail") {
      if (await this.underForeignLease(host.address)) return;
      const from = host.status;
      const done = await this.writer.change(
        host.address,
        { status: "failed", status_reason: `watcher: ${reason}`, watcher_demoted_from: from },
        (stored) => stored.status === from,
      );
      if (done) {
        host.status = "failed";
        host.demotedFrom = from;
        this.logger.warn({ address: host.address, reason }, "host failed");
      }
    } else if (decision.kind === "recover") {
      const done = await this.writer.change(
        host.address,
        { status: decision.to, status_reason: "", watcher_demoted_from: "" },
        (stored) => stored.status === "failed" && stored.watcher_demoted_from === decision.to,
      );
      if (done) {
        host.status = decision.to;
        host.demotedFrom = "";
        this.logger.info({ address: host.address, status: decision.to }, "host recovered");
      }
    }
  }

  /** True when another service holds the host's lease (a reboot in progress): not judged. */
  private async underForeignLease(address: string): Promise<boolean> {
    const name = hostLeaseName(address);
    try {
      await this.storage.acquireLease(name, `watcher-${this.processId}`, 1);
    } catch (err) {
      if (err instanceof StoragePreconditionError) return true;
      throw err;
    }
    await this.storage.releaseLease(name, `watcher-${this.processId}`);
    return false;
  }

  /** This process's report. */
  /** Health and metrics: this process's report as figures (hosts by status, rate, lateness). */
  override figures(): Record<string, Figure> {
    return reportFigures(this.report(), this.stats.checks);
  }

  report(now: number = Date.now()): WatcherReport {
    const byState: Record<string, number> = {};
    let watched = 0;
    for (const host of this.hosts.values()) {
      if (!this.shards.owns(host.address, now)) continue;
      watched += 1;
      byState[host.status] = (byState[host.status] ?? 0) + 1;
    }
    const samples = this.stats.samples();
    const sorted = [...samples].sort((a, b) => a - b);
    const merged = mergeReports([
      {
        process: this.processId,
        hosts_watched: watched,
        checks_per_second: this.stats.checksPerSecond(now),
        lateness_p50_ms: 0,
        lateness_p99_ms: 0,
        hosts_by_state: byState,
        frozen: this.frozen,
        lateness_samples_ms: sorted,
        at: now,
      },
    ]);
    const { processes: _, ...own } = merged;
    return { ...own, process: this.processId, lateness_samples_ms: sampleOf(sorted), at: now };
  }

  private async publishReport(): Promise<void> {
    await this.bus.publish(REPORT_KEY, JSON.stringify(this.report()), { deliveryMode: 1 });
  }

  /** `watcher.status`: summed over every watcher process heard from. */
  on_status(): ReturnType<typeof mergeReports> {
    return mergeReports([this.report(), ...this.peers.others()]);
  }
}

/** At most 200 evenly picked samples of a sorted list, so a report stays small. */
function sampleOf(sorted: number[]): number[] {
  if (sorted.length <= 200) return sorted;
  const step = sorted.length / 200;
  return Array.from({ length: 200 }, (_, i) => sorted[Math.floor(i * step)]!);
}
