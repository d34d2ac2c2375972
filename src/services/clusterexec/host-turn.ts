/**
 * One host's turn in an operation: the command of the operation, a reboot where one is needed,
 * and the checks that the host runs what was asked. Phases are reported as they change.
 */
import { render } from "../../remote/command-set.js";
import type { RemoteExecutor } from "../../remote/executor.js";
import { commandSetFor } from "../../remote/os-registry.js";
import { bootedDeployment, type VerifySettings, verifyHealthy, waitForNewBoot } from "./verify.js";

export type OperationKind = "upgrade" | "restart" | "deploy";
export type HostPhase =
  | "waiting"
  | "draining"
  | "running"
  | "rebooting"
  | "verifying"
  | "done"
  | "failed"
  | "aborted"
  | "skipped";

/** The operator aborted the operation before this host's reboot was sent. */
export class TurnAborted extends Error {
  constructor(what: string) {
    super(what);
    this.name = "TurnAborted";
  }
}

export interface TurnOptions {
  kind: OperationKind;
  version?: string;
  verify: VerifySettings;
  /** Reboot dnf/yum hosts after their upgrade too (rpm-ostree hosts always reboot). */
  rebootAfterPackageUpgrade: boolean;
  /** boot_id recorded before this host's reboot by an earlier run of the same turn. */
  bootBefore?: string;
  phase(phase: HostPhase, extra?: { boot_before?: string }): Promise<void>;
  /**
   * Asked before each step that changes the host, up to sending the reboot: throws TurnAborted
   * when the operator aborted the operation. `changed` says what the turn did so far ("" for
   * nothing), for the host's result.
   */
  checkpoint(changed: string): Promise<void>;
}

/** What the turn found, for the host's result (the version booted, the packages updated). */
export interface TurnResult {
  detail: string;
}

/** `current`: the boot_id the host runs now (from the facts the turn began with). */
async function reboot(
  ex: RemoteExecutor,
  command: string,
  current: string,
  options: TurnOptions,
  changedSoFar = "",
): Promise<string> {
  // A turn resumed after its process died: the reboot it asked for already happened when the
  // host runs another boot than the one recorded before it.
  const resumed = options.bootBefore && options.bootBefore !== current;
  const before = resumed ? (options.bootBefore as string) : current;
  if (!resumed) await options.checkpoint(changedSoFar);
  await options.phase("rebooting", { boot_before: before });
  // The connection drops while the command runs: that is the reboot, not a failure. A reboot
  // that did not happen shows as the same boot_id below.
  if (!resumed) await ex.run(command, { sudo: true, timeoutMs: 30_000 }).catch(() => undefined);
  const back = await waitForNewBoot(ex, before, options.verify);
  await options.phase("verifying");
  await verifyHealthy(ex, back.bootId, options.verify, back);
  return back.bootId;
}

export async function runTurn(ex: RemoteExecutor, options: TurnOptions): Promise<TurnResult> {
  const facts = await ex.facts();
  const commands = commandSetFor(facts.os);
  const ostree = commands.name === "atomic";
  await options.phase("running");
  if (options.kind === "restart") {
    await reboot(ex, commands.reboot, facts.bootId, options);
    return { detail: "rebooted" };
  }
  if (options.kind === "deploy") {
    if (!commands.deploy || !ostree)
      throw new Error(`deploy needs an rpm-ostree host; this one runs ${facts.os}`);
    const version = options.version ?? "";
    await options.checkpoint("");
    await ex.run(render(commands.deploy, { version }), { sudo: true });
    const staged = `deployment ${version} staged; the host boots it at its next reboot`;
    await reboot(ex, commands.reboot, facts.bootId, options, staged);
    const booted = await bootedDeployment(ex);
    if (booted.version !== version)
      throw new Error(`the host booted version "${booted.version}", not "${version}"`);
    return { detail: `booted version ${booted.version}` };
  }
  if (ostree) {
    const before = await bootedDeployment(ex);
    await options.checkpoint("");
    await ex.run(commands.packageUpdate, { sudo: true });
    const staged = "upgrade staged; the host boots it at its next reboot";
    await reboot(ex, commands.reboot, facts.bootId, options, staged);
    const after = await bootedDeployment(ex);
    if (after.checksum === before.checksum)
      throw new Error(`the host still boots deployment ${before.checksum} after the upgrade`);
    return { detail: `booted version ${after.version}` };
  }
  await options.checkpoint("");
  const out = await ex.run(commands.packageUpdate, { sudo: true });
  const updated = out.stdout.split("\n").filter((l) => /^\s*(Upgrad|Updat|Install)/.test(l));
  if (options.rebootAfterPackageUpgrade)
    await reboot(ex, commands.reboot, facts.bootId, options, "packages updated, not yet rebooted");
  else {
    await options.phase("verifying");
    await verifyHealthy(ex, facts.bootId, { ...options.verify, stabilityMs: 0 });
  }
  return { detail: `package update exited 0 (${updated.length} lines of updates)` };
}
