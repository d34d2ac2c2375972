/**
 * The watcher benchmark (part of `npm run bench`): 10,000 hosts on one process with interval 60 s
 * through a fake check of 5-20 ms latency (1,000 hosts, interval 10 s with --quick), measured over
 * one interval after a first one (every host seen once: the first boot_id writes are behind), and the SSH
 * path on 100 test hosts (10 with --quick). The baseline is the interval itself: lateness is
 * given as a share of it, CPU as a share of one core.
 */
import { fileURLToPath } from "node:url";
import { TestHosts } from "../test/hosts/harness.js";
import { runJob } from "./child-job.js";

const LOAD = fileURLToPath(new URL("./watcher-load.js", import.meta.url));

interface Figures {
  hosts: number;
  intervalS: number;
  checks: number;
  hostsChecked: number;
  failed: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  cpuShare: number;
  rssMb: number;
  storageWritesPerMinute: number;
  recordsWrittenPerMinute: number;
  /** Remote errors by kind over the whole run (SSH only). */
  failureKinds: Record<string, number>;
  /** 1-minute load average at the start and the end of the measurement (the machine is shared). */
  loadAverage: [number, number];
}

function load(job: Record<string, unknown>): Promise<Figures> {
  return runJob<Figures>(LOAD, job, "watcher load", []);
}

function line(name: string, f: Figures): string {
  return (
    `${name}: ${f.hosts} hosts, interval ${f.intervalS} s: ${f.checks} checks of ${f.hostsChecked} hosts (${f.failed} failed${Object.keys(f.failureKinds).length ? `: ${JSON.stringify(f.failureKinds)} over the run` : ""}), ` +
    `lateness p50 ${f.latenessP50Ms.toFixed(0)} ms, p99 ${f.latenessP99Ms.toFixed(0)} ms (x${(f.latenessP99Ms / (f.intervalS * 1000)).toFixed(4)} of the interval), ` +
    `CPU ${(f.cpuShare * 100).toFixed(1)}% of one core, RSS ${f.rssMb.toFixed(0)} MB, ` +
    `storage writes ${f.storageWritesPerMinute.toFixed(0)}/min (${f.recordsWrittenPerMinute.toFixed(0)} records/min), ` +
    `load average ${f.loadAverage.map((l) => l.toFixed(1)).join(" -> ")}`
  );
}

export async function watcherBench(
  quick: boolean,
): Promise<{ lines: string[]; figures: Record<string, unknown> }> {
  const fake = await load(
    quick
      ? { hosts: 1000, intervalS: 10, warmupS: 11, measureS: 10 }
      : { hosts: 10_000, intervalS: 60, warmupS: 62, measureS: 60 },
  );
  // Printed now: the SSH part below may fail on a loaded machine, these figures stay.
  process.stderr.write(`${line("watcher (fake 5-20 ms check)", fake)}\n`);
  const count = quick ? 10 : 100;
  process.stderr.write(`watcher: starting ${count} sshd test hosts\n`);
  const hosts = await TestHosts.start(Array.from({ length: count }, () => ({ proxy: false })));
  let ssh: Figures;
  try {
    ssh = await load({
      creds: hosts.hosts.map((h) => hosts.creds(h)),
      intervalS: 10,
      warmupS: 11,
      measureS: quick ? 10 : 20,
    });
  } finally {
    // On a loaded machine an sshd may take longer to go than the harness waits: say so, keep the
    // figures (the harness's exit handler kills what is left).
    await hosts.destroy().catch((err: Error) => {
      process.stderr.write(`watcher: test hosts not all stopped: ${err.message}\n`);
    });
  }
  return {
    lines: [line("watcher (fake 5-20 ms check)", fake), line("watcher (SSH, test hosts)", ssh)],
    figures: { fake, ssh },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await watcherBench(process.argv.includes("--quick"));
  console.log(result.lines.join("\n"));
}
