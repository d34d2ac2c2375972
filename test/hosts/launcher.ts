/**
 * Starts test hosts' sshd from one long-lived shell: a spawn from the test process forks all of
 * node (over 100 ms each on a busy 2-core machine), so a hundred hosts go through one spawn.
 * The shell and every sshd it starts have a parent-death signal: the test process dying, even by
 * SIGKILL, takes them along.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startProcess, stopProcess } from "../helpers/servers.js";

// Reads a host directory per line; runs its namespace.sh in a new mount namespace; answers "dir pid".
const LOOP = [
  "while read -r dir; do",
  '  setpriv --pdeathsig SIGKILL -- unshare --mount --propagation private sh "$dir/namespace.sh" 2>>"$dir/sshd.log" &',
  '  echo "$dir $!"',
  "done",
].join("\n");

export class Launcher {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (pid: number) => void>();

  constructor() {
    this.child = startProcess("setpriv", ["--pdeathsig", "SIGKILL", "--", "sh", "-c", LOOP], {
      stdin: true,
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const [dir, pid] = line.split(" ");
      this.waiting.get(dir!)?.(Number(pid));
      this.waiting.delete(dir!);
    });
  }

  /** Starts the host whose directory holds namespace.sh; resolves to sshd's PID. */
  start(dir: string): Promise<number> {
    if (this.child.exitCode !== null) throw new Error("the test-host launcher has exited");
    return new Promise((resolve) => {
      this.waiting.set(dir, resolve);
      this.child.stdin!.write(`${dir}\n`);
    });
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    await stopProcess(this.child, "SIGTERM", 5000);
  }
}

/** Running (not exited, not a zombie waiting for the launcher to reap it). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
