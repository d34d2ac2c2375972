/** What one watcher process reports: checks done, their lateness, the freeze. */
import type { Figure } from "../../service/health.js";

const SAMPLES = 4096;

export interface WatcherReport {
  process: string;
  hosts_watched: number;
  checks_per_second: number;
  lateness_p50_ms: number;
  lateness_p99_ms: number;
  hosts_by_state: Record<string, number>;
  frozen: boolean;
  /** Lateness samples, so reports of several processes can be merged into one percentile. */
  lateness_samples_ms: number[];
  at: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export class CheckStats {
  private readonly lateness: number[] = [];
  private next = 0;
  /** Check completion times within the last minute, for the rate. */
  private readonly done: number[] = [];
  checks = 0;

  recordStart(latenessMs: number): void {
    if (this.lateness.length < SAMPLES) this.lateness.push(latenessMs);
    else this.lateness[this.next] = latenessMs;
    this.next = (this.next + 1) % SAMPLES;
  }

  recordDone(now: number = Date.now()): void {
    this.checks += 1;
    this.done.push(now);
    while (this.done.length && this.done[0]! < now - 60_000) this.done.shift();
  }

  checksPerSecond(now: number = Date.now(), windowMs = 60_000): number {
    while (this.done.length && this.done[0]! < now - 60_000) this.done.shift();
    return this.done.length / (windowMs / 1000);
  }

  samples(): number[] {
    return [...this.lateness];
  }
}

/** Sums the reports of every watcher process into one. */
export function mergeReports(
  reports: WatcherReport[],
): Omit<WatcherReport, "lateness_samples_ms" | "process" | "at"> & { processes: number } {
  const byState: Record<string, number> = {};
  const all: number[] = [];
  let hosts = 0;
  let rate = 0;
  for (const r of reports) {
    hosts += r.hosts_watched;
    rate += r.checks_per_second;
    all.push(...r.lateness_samples_ms);
    for (const [s, n] of Object.entries(r.hosts_by_state)) byState[s] = (byState[s] ?? 0) + n;
  }
  all.sort((a, b) => a - b);
  return {
    processes: reports.length,
    hosts_watched: hosts,
    checks_per_second: Math.round(rate * 100) / 100,
    lateness_p50_ms: percentile(all, 50),
    lateness_p99_ms: percentile(all, 99),
    hosts_by_state: byState,
    frozen: reports.some((r) => r.frozen),
  };
}

/** One process's report as health figures and Prometheus metrics (commissaire_watcher_*). */
export function reportFigures(r: WatcherReport, checksTotal: number): Record<string, Figure> {
  return {
    hosts: { help: "Hosts this process watches, by status", value: r.hosts_by_state },
    hosts_watched: { help: "Hosts this process watches", value: r.hosts_watched },
    checks_total: { help: "Checks finished by this process", value: checksTotal, type: "counter" },
    checks_per_second: {
      help: "Checks per second over the last minute",
      value: r.checks_per_second,
    },
    lateness_p50_seconds: { help: "Median lateness of checks", value: r.lateness_p50_ms / 1000 },
    lateness_p99_seconds: {
      help: "99th percentile lateness of checks",
      value: r.lateness_p99_ms / 1000,
    },
    frozen: {
      help: "1 while most checks fail and no host is marked failed",
      value: r.frozen ? 1 : 0,
    },
  };
}
