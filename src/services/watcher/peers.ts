/**
 * The reports of the other watcher processes, from `notify.watcher.report` (each publishes its
 * own every few seconds), for `watcher.status` to sum. Who checks which host is not decided here
 * but by shard leases (shards.ts).
 */
import type { WatcherReport } from "./stats.js";

export class PeerReports {
  private readonly reports = new Map<string, WatcherReport>();

  constructor(
    readonly self: string,
    readonly ttlMs: number,
  ) {}

  /** A report received (its `at` replaced by the receipt time, so clocks need not agree). */
  heard(report: WatcherReport, now: number = Date.now()): void {
    if (report.process === this.self) return;
    this.reports.set(report.process, { ...report, at: now });
  }

  /** The reports of the processes heard from within the TTL (older ones are forgotten). */
  others(now: number = Date.now()): WatcherReport[] {
    for (const [id, r] of this.reports) if (now - r.at > this.ttlMs) this.reports.delete(id);
    return [...this.reports.values()];
  }
}
