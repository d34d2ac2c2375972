/**
 * The watcher processes alive now, from the reports each publishes on `notify.watcher.report`
 * every heartbeat; and which of them checks a host: rendezvous hashing over the live processes,
 * so when one goes, only its hosts move, and every process agrees without asking anyone.
 */
import { addressHash } from "./schedule.js";
import type { WatcherReport } from "./stats.js";

export class Peers {
  private readonly reports = new Map<string, WatcherReport>();
  private live: string[];

  constructor(
    readonly self: string,
    readonly ttlMs: number,
  ) {
    this.live = [self];
  }

  /** A report received (its `at` replaced by the receipt time, so clocks need not agree). */
  heard(report: WatcherReport, now: number = Date.now()): void {
    if (report.process === this.self) return;
    this.reports.set(report.process, { ...report, at: now });
    this.refresh(now);
  }

  /** Forgets the processes not heard from within the TTL. */
  refresh(now: number = Date.now()): void {
    for (const [id, r] of this.reports) if (now - r.at > this.ttlMs) this.reports.delete(id);
    this.live = [this.self, ...this.reports.keys()].sort();
  }

  others(): WatcherReport[] {
    return [...this.reports.values()];
  }

  get count(): number {
    return this.live.length;
  }

  /** The process that checks this host. */
  ownerOf(address: string): string {
    if (this.live.length === 1) return this.self;
    let best = this.self;
    let bestScore = -1;
    for (const id of this.live) {
      const score = addressHash(`${id}|${address}`);
      if (score > bestScore) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  owns(address: string): boolean {
    return this.ownerOf(address) === this.self;
  }
}
