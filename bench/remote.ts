/**
 * The remote benchmark (part of `npm run bench`): connect + facts on N test hosts (100; 20 with
 * --quick), 20 at a time, through our SshPool, against the plain OpenSSH client doing the same in
 * the same run. Each load runs in its own process; the hosts are real sshd test hosts.
 */
import { fileURLToPath } from "node:url";
import { TestHosts } from "../test/hosts/harness.js";
import { runJob } from "./child-job.js";

export interface RemoteFigures {
  hosts: number;
  wallMs: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerHost: number;
  rssPerConnectionKb: number;
}

const LOAD = fileURLToPath(new URL("./remote-load.js", import.meta.url));

function load(job: Record<string, unknown>): Promise<RemoteFigures> {
  return runJob<RemoteFigures>(LOAD, job, "remote load", ["--expose-gc"]);
}

export async function remoteBench(
  quick: boolean,
): Promise<{ lines: string[]; figures: Record<string, unknown> }> {
  const count = quick ? 20 : 100;
  process.stderr.write(`remote: starting ${count} sshd test hosts\n`);
  const started = performance.now();
  const hosts = await TestHosts.start(Array.from({ length: count }, () => ({ proxy: false })));
  const startMs = performance.now() - started;
  try {
    const job = {
      targets: hosts.hosts.map((h) => hosts.target(h)),
      concurrency: 20,
      keyFile: hosts.privateKeyFile,
      holdOpen: count,
    };
    const ours = await load({ ...job, client: "ssh2" });
    const plain = await load({ ...job, client: "openssh" });
    const f = (n: number, d = 0) => n.toFixed(d);
    const row = (name: string, r: RemoteFigures) =>
      `${name.padEnd(22)}${f(r.wallMs).padStart(9)}${f(r.p50Ms).padStart(9)}${f(r.p99Ms).padStart(9)}${f(r.cpuUsPerHost / 1000, 1).padStart(13)}${f(r.rssPerConnectionKb).padStart(14)}`;
    const lines = [
      `remote: connect + facts on ${count} test hosts, 20 in parallel (hosts started in ${f(startMs)} ms)`,
      `${"client".padEnd(22)}${"wall ms".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"CPU ms/host".padStart(13)}${"KB/connection".padStart(14)}`,
      row("commissaire (ssh2)", ours),
      row("plain ssh (baseline)", plain),
      `ratios to plain ssh: wall x${f(ours.wallMs / plain.wallMs, 2)}, p50 x${f(ours.p50Ms / plain.p50Ms, 2)}, ` +
        `p99 x${f(ours.p99Ms / plain.p99Ms, 2)}, CPU/host x${f(ours.cpuUsPerHost / plain.cpuUsPerHost, 2)}, ` +
        `memory/connection x${f(ours.rssPerConnectionKb / plain.rssPerConnectionKb, 3)} (ours: heap + buffers per connection; ssh: RSS of its process per connection)`,
    ];
    return { lines, figures: { hosts: count, startMs, ssh2: ours, openssh: plain } };
  } finally {
    await hosts.destroy();
  }
}
