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

/**
 * Few processes (each fork costs, and a busy host or a hundred test hosts on one machine feel
 * it): files are read with the shell's own `read`, the logical CPUs counted from the kernel's
 * list of online CPUs ("0-3,6") with shell arithmetic, the kernel release and architecture read
 * from /proc (`uname` only where /proc/sys/kernel/arch is missing, before Linux 6.1, and `nproc`
 * only without /sys): df and one awk are the only commands on a current kernel.
 */
export const FACTS_SCRIPT = [
  "LC_ALL=C; export LC_ALL",
  "if [ -r /etc/os-release ]; then . /etc/os-release; fi",
  "if [ -e /run/ostree-booted ]; then o=1; else o=0; fi",
  "b=; read -r b < /proc/sys/kernel/random/boot_id",
  "m=; if [ -r /etc/machine-id ]; then read -r m < /etc/machine-id; fi",
  "k=; read -r k < /proc/sys/kernel/osrelease",
  "if [ -r /proc/sys/kernel/arch ]; then read -r a < /proc/sys/kernel/arch; else a=$(uname -m); fi",
  "c=0",
  "if [ -r /sys/devices/system/cpu/online ] && read -r l < /sys/devices/system/cpu/online; then",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions
  "  IFS=,; for r in $l; do c=$((c + ${r#*-} - ${r%-*} + 1)); done; unset IFS",
  "else c=$(nproc); fi",
  'printf \'id=%s\\nversion=%s\\nostree=%s\\nboot_id=%s\\nmachine_id=%s\\nkernel=%s\\narch=%s\\ncpus=%s\\n\' "$ID" "$VERSION_ID" "$o" "$b" "$m" "$k" "$a" "$c"',
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
