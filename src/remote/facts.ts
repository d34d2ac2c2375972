/**
 * Facts of a host in one round trip: one shell script, run in one session, prints `key=value`
 * lines; parseFacts turns them into numbers and names. Space counts each block device once
 * (bind mounts and btrfs/ostree subvolumes of one device appear several times in df).
 */
import { RemoteError } from "./errors.js";

export interface HostFacts {
  /** "atomic" on an rpm-ostree host, else fedora / centos / rhel, or os-release ID as it is. */
  os: string;
  /** os-release ID as the host says it. */
  osId: string;
  osVersion: string;
  /** Logical CPUs. */
  cpus: number;
  /** MemTotal, in MiB. */
  memory: number;
  /** Size of the real (block-device) filesystems, each device once, in bytes. */
  space: number;
  kernel: string;
  arch: string;
  machineId: string;
  bootId: string;
}

/** Few processes (each fork costs): files are read with the shell's own `read`, one awk. */
export const FACTS_SCRIPT = [
  "LC_ALL=C; export LC_ALL",
  "if [ -r /etc/os-release ]; then . /etc/os-release; fi",
  "if [ -e /run/ostree-booted ]; then o=1; else o=0; fi",
  "b=; read -r b < /proc/sys/kernel/random/boot_id",
  "m=; if [ -r /etc/machine-id ]; then read -r m < /etc/machine-id; fi",
  "set -- $(uname -r -m)",
  'printf \'id=%s\\nversion=%s\\nostree=%s\\nboot_id=%s\\nmachine_id=%s\\nkernel=%s\\narch=%s\\ncpus=%s\\n\' "$ID" "$VERSION_ID" "$o" "$b" "$m" "$1" "$2" "$(nproc)"',
  // df's lines first (stdin), then /proc/meminfo: block devices once each, then MemTotal.
  "df -P -B1 2>/dev/null | awk 'FNR == NR { if (FNR > 1 && $1 ~ /^\\/dev\\// && !seen[$1]++) s += $2; next }" +
    ' /^MemTotal:/ { print "memkb=" $2 } END { printf "space=%.0f\\n", s }\' - /proc/meminfo',
].join("\n");

const OS_ALIASES: Record<string, string> = {
  fedora: "fedora",
  centos: "centos",
  rhel: "rhel",
  redhat: "rhel",
};

/** The OS name our command sets use: atomic wins, then os-release ID through the aliases. */
export function osName(id: string, ostree: boolean): string {
  if (ostree) return "atomic";
  return OS_ALIASES[id] ?? id;
}

/** `stderr`, if given, is quoted in the error when the answer is incomplete (what the host said). */
export function parseFacts(address: string, output: string, stderr = ""): HostFacts {
  const values = new Map<string, string>();
  for (const line of output.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const text = (key: string) => values.get(key) ?? "";
  const count = (key: string) => {
    const n = Number(text(key));
    if (!text(key) || !Number.isFinite(n) || n < 0)
      throw new RemoteError(
        "command-failed",
        address,
        `facts: "${key}" is missing or not a number in the host's answer` +
          (stderr.trim() ? ` (it said: ${stderr.trim().split("\n").slice(-2).join(" / ")})` : ""),
      );
    return n;
  };
  const id = text("id").toLowerCase();
  return {
    os: osName(id, text("ostree") === "1"),
    osId: id,
    osVersion: text("version"),
    cpus: count("cpus"),
    memory: Math.floor(count("memkb") / 1024),
    space: count("space"),
    kernel: text("kernel"),
    arch: text("arch"),
    machineId: text("machine_id"),
    bootId: text("boot_id"),
  };
}
