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

/** Waits for the host to answer with a boot_id other than `before`; throws with the reason. */
export async function waitForNewBoot(
  ex: RemoteExecutor,
  before: string,
  settings: VerifySettings,
): Promise<string> {
  const deadline = Date.now() + settings.rebootTimeoutMs;
  let last = "it did not answer";
  while (Date.now() < deadline) {
    try {
      const facts = await ex.facts({ timeoutMs: Math.max(1000, settings.probeIntervalMs * 5) });
      if (facts.bootId && facts.bootId !== before) return facts.bootId;
      last = `it answered with the same boot_id ${before} (the reboot did not happen)`;
    } catch (err) {
      last = `it did not answer (${(err as Error).message})`;
    }
    await sleep(settings.probeIntervalMs);
  }
  throw new Error(
    `the host did not come back from its reboot within ${settings.rebootTimeoutMs / 1000} s: ${last}`,
  );
}

/** The system state is one of the accepted ones, and stays on the same boot for the stability wait. */
export async function verifyHealthy(
  ex: RemoteExecutor,
  bootId: string,
  settings: VerifySettings,
): Promise<void> {
  const state = (await ex.run("systemctl is-system-running", { check: false })).stdout.trim();
  if (!settings.acceptedStates.includes(state))
    throw new Error(
      `systemctl is-system-running says "${state}" (accepted: ${settings.acceptedStates.join(", ")})`,
    );
  if (settings.stabilityMs > 0) {
    await sleep(settings.stabilityMs);
    const facts = await ex.facts();
    if (facts.bootId !== bootId)
      throw new Error("the host rebooted again during the stability wait");
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
