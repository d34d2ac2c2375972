/**
 * Verified completion of a host's turn: after a reboot, a new boot_id, SSH answering, the system
 * not degraded, and a stability wait; after an rpm-ostree upgrade or deploy, the booted
 * deployment is the one asked for.
 */
import type { RemoteExecutor } from "../../remote/executor.js";

export interface VerifySettings {
  /** How long a rebooted host has to come back (with a new boot_id), ms. */
  rebootTimeoutMs: number;
  /** Wait this long after the host is back, then check again that it is still the same boot. */
  stabilityMs: number;
  /** `systemctl is-system-running` answers accepted as healthy. */
  acceptedStates: string[];
  /** Pause between probes while a host is down, ms. */
  probeIntervalMs: number;
}

export const DEFAULT_VERIFY: VerifySettings = {
  rebootTimeoutMs: 600_000,
  stabilityMs: 10_000,
  acceptedStates: ["running"],
  probeIntervalMs: 1000,
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** What a rebooted host says in one round trip: its boot and how far systemd got. */
export interface BootState {
  bootId: string;
  /** `systemctl is-system-running`'s answer ("running", "degraded", "starting", ...). */
  state: string;
}

/** One command, no fork but systemctl's: the boot_id read by the shell itself. */
const PROBE =
  "read -r b < /proc/sys/kernel/random/boot_id; s=$(systemctl is-system-running 2>/dev/null); " +
  'printf \'%s %s\\n\' "$b" "$s"';

/** States of a system still booting: worth waiting for, not yet a verdict. */
const BOOTING = new Set(["initializing", "starting"]);

export async function probeBoot(ex: RemoteExecutor, timeoutMs?: number): Promise<BootState> {
  const { stdout } = await ex.run(PROBE, { check: false, ...(timeoutMs ? { timeoutMs } : {}) });
  const [bootId = "", state = ""] = stdout.trim().split(/\s+/);
  return { bootId, state };
}

/**
 * Waits for the host to answer with a boot_id other than `before` and a system done booting;
 * throws with the reason. While the host is down each try fails at once (connection refused), so
 * the probe interval is what a host that came back waits, at most, before it is seen.
 */
export async function waitForNewBoot(
  ex: RemoteExecutor,
  before: string,
  settings: VerifySettings,
): Promise<BootState> {
  const deadline = Date.now() + settings.rebootTimeoutMs;
  let last = "it did not answer";
  while (Date.now() < deadline) {
    try {
      const now = await probeBoot(ex, Math.max(1000, settings.probeIntervalMs * 5));
      if (now.bootId && now.bootId !== before && !BOOTING.has(now.state)) return now;
      last =
        now.bootId === before
          ? `it answered with the same boot_id ${before} (the reboot did not happen)`
          : `it is still booting (systemctl is-system-running says "${now.state}")`;
    } catch (err) {
      last = `it did not answer (${(err as Error).message})`;
    }
    await sleep(settings.probeIntervalMs);
  }
  throw new Error(
    `the host did not come back from its reboot within ${settings.rebootTimeoutMs / 1000} s: ${last}`,
  );
}

/**
 * The system state is one of the accepted ones, and the host stays on the same boot (and
 * healthy) through the stability wait. `seen` is a probe already made, if any.
 */
export async function verifyHealthy(
  ex: RemoteExecutor,
  bootId: string,
  settings: VerifySettings,
  seen?: BootState,
): Promise<void> {
  const check = ({ state }: BootState) => {
    if (!settings.acceptedStates.includes(state))
      throw new Error(
        `systemctl is-system-running says "${state}" (accepted: ${settings.acceptedStates.join(", ")})`,
      );
  };
  check(seen ?? (await probeBoot(ex)));
  if (settings.stabilityMs > 0) {
    await sleep(settings.stabilityMs);
    const later = await probeBoot(ex);
    if (later.bootId !== bootId)
      throw new Error("the host rebooted again during the stability wait");
    check(later);
  }
}

export interface Deployment {
  version: string;
  checksum: string;
}

/** The booted deployment from `rpm-ostree status --json`. */
export async function bootedDeployment(ex: RemoteExecutor): Promise<Deployment> {
  const out = (await ex.run("rpm-ostree status --json")).stdout;
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch {
    throw new Error("rpm-ostree status --json did not print JSON");
  }
  const deployments = (parsed as { deployments?: unknown }).deployments;
  if (Array.isArray(deployments)) {
    for (const d of deployments) {
      if (typeof d === "object" && d !== null && (d as { booted?: unknown }).booted === true) {
        const { version, checksum } = d as { version?: unknown; checksum?: unknown };
        return { version: String(version ?? ""), checksum: String(checksum ?? "") };
      }
    }
  }
  throw new Error("rpm-ostree status --json names no booted deployment");
}
