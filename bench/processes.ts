/** Processes of a benchmark run: services and load generators, with their CPU time and memory. */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { waitFor } from "../src/testing/index.js";
import { stopProcess } from "../test/helpers/servers.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const SCRIPTS = {
  raw: here("./raw-server.js"),
  rawBatch: here("./raw-batch-server.js"),
  echo: here("./echo-service.js"),
  fault: here("./fault-service.js"),
  load: here("./load.js"),
  storage: here("../src/cli/storage-service.js"),
};

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU time (user + system) of a process so far, in microseconds, from /proc. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident memory of a process, in MB, from /proc. */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

export class Proc {
  output = "";
  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
  }

  static async start(
    script: string,
    args: string[],
    ready: (output: string) => boolean,
  ): Promise<Proc> {
    const proc = new Proc(
      spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] }),
    );
    await waitFor(
      () => {
        if (proc.child.exitCode !== null) throw new Error(`${script} exited: ${proc.output}`);
        return ready(proc.output);
      },
      { timeoutMs: 20_000, what: `${script} to be ready` },
    );
    return proc;
  }

  get pid(): number {
    return this.child.pid!;
  }

  stop(): Promise<number | null> {
    return stopProcess(this.child, "SIGTERM", 5000);
  }
}

/** Runs one load generator to completion and returns its JSON line. */
export function runLoad(job: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPTS.load, JSON.stringify(job)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load ${JSON.stringify(job)} failed (${code}): ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
}
