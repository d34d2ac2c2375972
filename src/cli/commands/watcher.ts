/** `commissaire watcher status`: what every watcher process reports, summed (a bus call). */
import { Command } from "commander";
import type { WatcherReport } from "../../services/watcher/stats.js";
import { record } from "../operator/table.js";
import { addBusOptions, connectFromOptions } from "./bus-client.js";

/** `watcher.status`: the reports of every watcher process, summed. */
type WatcherStatus = Omit<WatcherReport, "process" | "lateness_samples_ms" | "at"> & {
  processes: number;
};

/** The status as lines for people. */
export function formatWatcherStatus(s: WatcherStatus): string {
  const states = Object.entries(s.hosts_by_state)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${state} ${n}`)
    .join(", ");
  return record({
    processes: s.processes,
    hosts_watched: s.hosts_watched,
    checks_per_second: s.checks_per_second,
    lateness_p50: `${s.lateness_p50_ms} ms`,
    lateness_p99: `${s.lateness_p99_ms} ms`,
    hosts_by_state: states || "none",
    frozen: s.frozen ? "yes: most checks fail, no host is marked failed" : "no",
  });
}

export function watcherCommand(): Command {
  const watcher = new Command("watcher").description("the watcher service");
  const status = addBusOptions(
    new Command("status")
      .description("hosts watched, checks per second, lateness, hosts by state, frozen or not")
      .option("--json", "print the status as JSON")
      .option("-t, --timeout <seconds>", "seconds to wait for the answer", "10"),
  );
  watcher.addCommand(status);
  status.action(async () => {
    const o = status.opts<{ json?: boolean; timeout: string }>();
    const timeoutS = Number(o.timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new Error(`--timeout: must be a positive number, got "${o.timeout}"`);
    const bus = await connectFromOptions(status);
    try {
      const result = await bus.request<WatcherStatus>(
        "watcher.status",
        {},
        { timeoutMs: timeoutS * 1000 },
      );
      process.stdout.write(
        o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatWatcherStatus(result)}\n`,
      );
    } catch (err) {
      process.stderr.write(`error: no watcher status: ${(err as Error).message}\n`);
      process.exitCode = 3;
    } finally {
      await bus.close();
    }
  });
  return watcher;
}
