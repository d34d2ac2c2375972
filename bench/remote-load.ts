/**
 * One remote benchmark load, in a process of its own so its CPU time and memory are its own:
 * connect + facts + close on every host, `concurrency` at a time, through our SshPool (ssh2) or
 * the plain OpenSSH client (one `ssh` per host, BatchMode, same key, same facts script).
 * Prints one JSON line. Argument: the job as JSON.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { RemoteTarget } from "../src/remote/credentials.js";
import { FACTS_SCRIPT, parseFacts } from "../src/remote/facts.js";
import { SshPool } from "../src/remote/pool.js";

interface Job {
  client: "ssh2" | "openssh";
  targets: RemoteTarget[];
  concurrency: number;
  keyFile: string;
  /** Connections to hold open at once for the memory figure. */
  holdOpen: number;
}

const job = JSON.parse(process.argv[2]!) as Job;

/** CPU of this process and of its waited-for children, in microseconds (from /proc). */
function cpu(): { self: number; children: number } {
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const tick = 10_000; // USER_HZ 100: one tick is 10 ms
  return {
    self: (Number(f[11]) + Number(f[12])) * tick,
    children: (Number(f[13]) + Number(f[14])) * tick,
  };
}

const SSH_OPTIONS = [
  "-o",
  "BatchMode=yes",
  "-o",
  "StrictHostKeyChecking=no",
  "-o",
  "UserKnownHostsFile=/dev/null",
].concat(["-o", "LogLevel=ERROR", "-o", "KexAlgorithms=curve25519-sha256"]);

function openssh(t: RemoteTarget, command: string, holdStdin = false) {
  return spawn(
    "ssh",
    [
      "-i",
      job.keyFile,
      ...SSH_OPTIONS,
      "-p",
      String(t.port ?? 22),
      `${t.remoteUser}@${t.address}`,
      command,
    ],
    {
      stdio: [holdStdin ? "pipe" : "ignore", "pipe", "pipe"],
    },
  );
}

function sshFacts(t: RemoteTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = openssh(t, FACTS_SCRIPT);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    // "close", not "exit": the output is only complete once the pipes are closed.
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`ssh ${t.address} exited ${code}: ${err}`));
      try {
        parseFacts(t.address, out, err);
      } catch (e) {
        return reject(e);
      }
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const pool = new SshPool({ maxConnections: Math.max(job.concurrency, job.holdOpen) });
  const once = async (t: RemoteTarget) => {
    if (job.client === "openssh") return sshFacts(t);
    const ex = await pool.open(t);
    try {
      await ex.facts();
    } finally {
      await ex.close();
    }
  };
  await once(job.targets[0]!); // warm-up (code paths, sshd's first re-exec)
  const latencies: number[] = [];
  const queue = [...job.targets];
  const before = cpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        const t0 = performance.now();
        await once(t);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const after = cpu();
  const used =
    job.client === "openssh"
      ? after.children - before.children + (after.self - before.self)
      : after.self - before.self;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  const rssPerConnectionKb = await memoryPerConnection(pool);
  await pool.close();
  console.log(
    JSON.stringify({
      hosts: job.targets.length,
      wallMs,
      p50Ms: pct(50),
      p99Ms: pct(99),
      cpuUsPerHost: used / job.targets.length,
      rssPerConnectionKb,
    }),
  );
}

/** Memory per open connection (ssh2: heap and buffers of this process; openssh: one ssh process's RSS). */
async function memoryPerConnection(pool: SshPool): Promise<number> {
  const targets = job.targets.slice(0, job.holdOpen);
  if (job.client === "openssh") {
    const children = targets.map((t) => openssh(t, "echo ready; read line", true));
    // Each client's RSS once its session is open (the remote shell said "ready").
    const rss = await Promise.all(
      children.map(
        (c) =>
          new Promise<number>((resolve) => {
            c.stdout!.once("data", () => {
              const status = readFileSync(`/proc/${c.pid}/status`, "utf8");
              resolve(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
            });
          }),
      ),
    );
    for (const c of children) c.stdin!.end("\n");
    await Promise.all(children.map((c) => new Promise((r) => c.once("exit", r))));
    return rss.reduce((a, b) => a + b, 0) / rss.length;
  }
  // Heap and buffers (after a collection), not RSS: RSS moves in arenas, not per connection.
  const gc = (globalThis as { gc?: () => void }).gc;
  const used = () => {
    gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const base = used();
  const executors = await Promise.all(targets.map((t) => pool.open(t)));
  await Promise.all(executors.map((e) => e.run("true")));
  const held = used();
  await Promise.all(executors.map((e) => e.close()));
  return (held - base) / 1024 / targets.length;
}

await main();
