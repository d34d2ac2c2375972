/**
 * The investigator benchmark (part of `npm run bench`): N sshd test hosts (100; 20 with --quick)
 * fully investigated (facts + bootstrap + status writes) by one investigator process, 20 at a
 * time, against the plain-ssh facts baseline that bench/remote.ts measured in the same run.
 * Storage (memory) runs in the same process, so CPU per host includes it.
 */
import { readFileSync } from "node:fs";
import { Host, HostCreds } from "../src/models/index.js";
import type { RemoteConnector, RemoteExecutor } from "../src/remote/executor.js";
import { InvestigatorService } from "../src/services/investigator/service.js";
import { callHandler, startTestService } from "../src/testing/index.js";
import { TestHosts } from "../test/hosts/harness.js";
import { remoteBench } from "./remote.js";

const CONCURRENCY = 20;

/** The machine's CPU time so far, busy and all (ms, every core), from /proc/stat. */
function machineCpuMs(): { busy: number; all: number } {
  const ticks = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1);
  const t = ticks.map(Number);
  const all = t.reduce((a, b) => a + b, 0);
  const idle = (t[3] ?? 0) + (t[4] ?? 0); // idle, iowait
  return { busy: (all - idle) * 10, all: all * 10 };
}

interface Baseline {
  wallMs: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Times of each remote step (connect, facts, each command) by name, for the per-step line. */
function timed(inner: RemoteConnector, steps: Map<string, number[]>): RemoteConnector {
  const note = async <T>(name: string, work: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work;
    } finally {
      const list = steps.get(name) ?? [];
      list.push(performance.now() - t0);
      steps.set(name, list);
    }
  };
  return {
    close: () => inner.close(),
    open: async (target) => {
      const ex = await note("connect", inner.open(target));
      const wrapped: RemoteExecutor = {
        address: ex.address,
        get hostKey() {
          return ex.hostKey;
        },
        run: (command, options) => note(`\`${command}\``, ex.run(command, options)),
        readFile: (path, options) => note("readFile", ex.readFile(path, options)),
        writeFile: (path, data, options) => note("writeFile", ex.writeFile(path, data, options)),
        facts: (options) => note("facts", ex.facts(options)),
        close: () => ex.close(),
      };
      return wrapped;
    },
  };
}

export async function investigatorBench(
  quick: boolean,
  plainSsh: unknown,
): Promise<{ lines: string[]; figures: Record<string, unknown> }> {
  const count = quick ? 20 : 100;
  process.stderr.write(`investigator: starting ${count} sshd test hosts\n`);
  const hosts = await TestHosts.start(Array.from({ length: count }, () => ({ proxy: false })));
  const steps = new Map<string, number[]>();
  const t = await startTestService(
    (bus) =>
      new InvestigatorService({
        bus,
        remote: timed(hosts.pool(), steps),
        inFlightLimit: CONCURRENCY,
        config: { recover_interval_seconds: 3600 },
      }),
    { storage: true },
  );
  try {
    for (const h of hosts.hosts) {
      await t.storage.save(HostCreds, hosts.creds(h));
      await t.storage.save(Host, { address: h.address, status: "investigating" });
    }
    const queue = [...hosts.hosts];
    const times: number[] = [];
    const statuses: Record<string, number> = {};
    const cpu = process.cpuUsage();
    const hostCpu = hosts.cpuMs();
    const machine = machineCpuMs();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let h = queue.shift(); h; h = queue.shift()) {
          const t0 = performance.now();
          const r = (await callHandler(t.service, "investigate", { address: h.address })) as {
            status: string;
          };
          times.push(performance.now() - t0);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        }
      }),
    );
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMsPerHost = (used.user + used.system) / 1000 / count;
    // The hosts' side (sshd, its sessions, the commands and stubs they ran): on this machine the
    // limit, since every one of those processes shares its two cores.
    const hostCpuMsPerHost = (hosts.cpuMs() - hostCpu) / count;
    const machineNow = machineCpuMs();
    // Busy share of every core over the run: near 100% means the machine is the limit.
    const machineBusy = (machineNow.busy - machine.busy) / (machineNow.all - machine.all);
    times.sort((a, b) => a - b);
    const baseline = (plainSsh as Baseline | undefined)?.wallMs;
    const f = (n: number, d = 0) => n.toFixed(d);
    const lines = [
      `investigator: ${count} test hosts investigated (facts + bootstrap), ${CONCURRENCY} at a time: ${JSON.stringify(statuses)}`,
      `wall ${f(wallMs)} ms, p50 ${f(percentile(times, 50))} ms, p99 ${f(percentile(times, 99))} ms per host, CPU ${f(cpuMsPerHost, 1)} ms/host (storage included), host side (sshd, sessions, commands) ${f(hostCpuMsPerHost, 1)} ms/host, machine busy ${f(machineBusy * 100)}% of its cores`,
      `per host, p50 by step (ms): ${[...steps]
        .map(
          ([name, list]) =>
            `${name} ${f(
              percentile(
                list.sort((a, b) => a - b),
                50,
              ),
            )}`,
        )
        .join(", ")}`,
      baseline
        ? `ratio to plain ssh facts on the same hosts count (bench/remote.ts, this run): wall x${f(wallMs / baseline, 2)}`
        : "no plain-ssh baseline in this run",
    ];
    return {
      lines,
      figures: {
        hosts: count,
        wallMs,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        cpuMsPerHost,
        hostCpuMsPerHost,
        machineBusy,
        statuses,
      },
    };
  } finally {
    await t.close();
    await hosts.destroy();
  }
}

// `node dist/bench/investigator.js [--quick]`: this part alone, with its plain-ssh baseline.
if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes("--quick");
  const remote = await remoteBench(quick);
  console.log(remote.lines.join("\n"));
  const openssh = (remote.figures as { openssh: unknown }).openssh;
  console.log((await investigatorBench(quick, openssh)).lines.join("\n"));
}
