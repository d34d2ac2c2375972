/** Processes by mount namespace: a test host is everything in its namespace, so it is stopped whole. */
import { readdirSync, readlinkSync } from "node:fs";

export function mountNamespace(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

/** SIGKILLs every process in the given namespaces (a session child of sshd included). */
export function killNamespaces(namespaces: Set<string>): void {
  // Never our own namespace: that would be the machine's processes, not a test host's.
  const own = mountNamespace(process.pid);
  const targets = new Set([...namespaces].filter((ns) => ns !== own));
  if (targets.size === 0) return;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ns = mountNamespace(pid);
    if (ns && targets.has(ns)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }
}
