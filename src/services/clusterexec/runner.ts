/**
 * Runs one operation to its end: hosts in batches by the rolling policy, each under its host
 * lease, cordoned around its turn when the cluster has a container manager; the record saved
 * after every change; pause and abort read from the record's `control` member between hosts, an
 * abort also at each host's checkpoints up to its reboot.
 */

import type { Logger } from "../../base/logger.js";
import type { Bus } from "../../bus/bus.js";
import { StoragePreconditionError } from "../../bus/errors.js";
import { Host, HostCreds } from "../../models/index.js";
import type { RemoteTarget } from "../../remote/credentials.js";
import type { RemoteConnector } from "../../remote/executor.js";
import type { StorageClient } from "../../storage/client.js";
import { hostLeaseName } from "../../storage/host-lease.js";
import { type HostPhase, type OperationKind, runTurn, TurnAborted } from "./host-turn.js";
import { failureLimit, planBatches, type RollingPolicy } from "./policy.js";
import { RecordSaver } from "./record-saver.js";
import { type HostResult, KINDS, now, type OperationRecord, progressMembers } from "./records.js";
import type { VerifySettings } from "./verify.js";

export interface RunnerContext {
  storage: StorageClient;
  bus: Bus;
  connector: RemoteConnector;
  targetFor(creds: HostCreds): RemoteTarget;
  logger: Logger;
  holder: string;
  leaseTtlSeconds: number;
  verify: VerifySettings;
  rebootAfterPackageUpgrade: boolean;
  /** Pause between reads of `control` while paused, ms. */
  controlPollMs: number;
  /** Leases held now, renewed by the service's timer. */
  leases: Set<string>;
  /** Clusters whose operation waits on a pause now. */
  paused: Set<string>;
}

const RUNNABLE = new Set(["active", "disassociated"]);

export class OperationRunner {
  private readonly saver: RecordSaver;
  private failures = 0;
  /** Set as the final status is written: from then on the operation only ends, nothing more. */
  finishing = false;

  constructor(
    private readonly ctx: RunnerContext,
    readonly kind: OperationKind,
    readonly record: OperationRecord,
    private readonly policy: RollingPolicy,
    private readonly cluster: { hostset: string[]; container_manager: string },
  ) {
    const { type } = KINDS[kind];
    const members = progressMembers(kind) as never[];
    // The snapshot is taken as the write starts: it carries every change made until then.
    this.saver = new RecordSaver(() =>
      ctx.storage.save(type, structuredClone(this.record), { members }),
    );
  }

  private get done(): string[] {
    return this.record[KINDS[this.kind].done] as string[];
  }

  private hostResult(address: string): HostResult {
    const r = this.record.hosts[address] as HostResult | undefined;
    return r ?? { phase: "waiting" };
  }

  /** Saves the progress members (coalesced with the other hosts' changes of the moment). */
  save(): Promise<void> {
    return this.saver.save();
  }

  /**
   * A host's new phase. Waited for only where it matters: the boot_id before a reboot must be
   * stored before the reboot is sent (a process taking over must not reboot the host again).
   * Other phases are progress for the reader and go out with the next save.
   */
  private async setPhase(
    address: string,
    phase: HostPhase,
    extra: Partial<HostResult> = {},
    durable = false,
  ): Promise<void> {
    this.record.hosts[address] = { ...this.hostResult(address), ...extra, phase };
    const saved = this.save();
    if (durable) return saved;
    saved.catch((err: Error) =>
      this.ctx.logger.warn({ address, phase, err: err.message }, "progress not saved yet"),
    );
  }

  async run(): Promise<void> {
    const hostsets = [...this.cluster.hostset];
    const pending: string[] = [];
    for (const address of hostsets) {
      if (this.done.includes(address)) continue;
      const host = await this.ctx.storage.get(Host, { address }).catch(() => null);
      if (!host || !RUNNABLE.has(host.status)) {
        if (!this.record.skipped.includes(address)) this.record.skipped.push(address);
        const why = host ? `status is ${host.status || "unknown"}` : "no such host";
        this.record.hosts[address] = { phase: "skipped", error: why };
        continue;
      }
      if (this.hostResult(address).phase === "failed") this.failures++;
      else {
        pending.push(address);
        if (!this.record.hosts[address]) this.record.hosts[address] = { phase: "waiting" };
      }
    }
    await this.save();
    const limit = failureLimit(this.policy, hostsets.length - this.record.skipped.length);
    const batches = planBatches(pending, this.policy);
    if (this.policy.mode === "lockstep") {
      for (const batch of batches) {
        if (!(await this.mayGoOn(limit))) break;
        await Promise.all(batch.map((address) => this.turn(address)));
      }
    } else await this.sliding(batches, limit);
    await this.finish(limit);
  }

  /** Sliding: as each host ends the next starts, at most the size of the batch it belongs to. */
  private async sliding(batches: string[][], limit: number): Promise<void> {
    const queue = batches.flatMap((b, i) =>
      b.map((address) => ({ address, width: batches[i]!.length })),
    );
    const running = new Set<Promise<void>>();
    while (queue.length > 0) {
      const next = queue[0]!;
      if (running.size >= next.width) {
        await Promise.race(running);
        continue;
      }
      if (!(await this.mayGoOn(limit))) break;
      queue.shift();
      const p: Promise<void> = this.turn(next.address).finally(() => running.delete(p));
      running.add(p);
    }
    await Promise.all(running);
  }

  /** The operator's request as stored now; an abort is remembered in the record. */
  private async readControl(): Promise<string> {
    const { type } = KINDS[this.kind];
    const stored = (await this.ctx.storage.get(type, {
      name: this.record.name,
    })) as OperationRecord;
    this.record.control = stored.control;
    if (stored.control === "abort") this.record.aborted = true;
    return stored.control;
  }

  /** Paused or not, in this process (isPaused) and in the record (member `paused`). */
  private async setPaused(paused: boolean): Promise<void> {
    if (paused) this.ctx.paused.add(this.record.name);
    else this.ctx.paused.delete(this.record.name);
    if (this.record.paused === paused) return;
    this.record.paused = paused;
    await this.save();
  }

  /** False once failures passed the limit or an abort was asked; waits while paused. */
  private async mayGoOn(limit: number): Promise<boolean> {
    for (;;) {
      if (this.failures > limit || this.record.aborted) return false;
      const control = await this.readControl();
      if (control === "abort") {
        await this.setPaused(false);
        return false;
      }
      if (control !== "pause") {
        await this.setPaused(false);
        return true;
      }
      await this.setPaused(true);
      await new Promise((resolve) => setTimeout(resolve, this.ctx.controlPollMs));
    }
  }

  /** A host's checkpoint before each change up to its reboot: an abort stops the turn there. */
  private async checkpoint(changed: string): Promise<void> {
    if (this.record.aborted || (await this.readControl()) === "abort")
      throw new TurnAborted(
        changed
          ? `aborted by the operator before the reboot: ${changed}`
          : "aborted by the operator before anything was changed on the host",
      );
  }

  private async finish(limit: number): Promise<void> {
    this.finishing = true;
    // Tolerated failures still finish the operation; the failed hosts are in `hosts`.
    const unfinished = this.failures > limit || this.record.aborted;
    this.record.status = unfinished ? "failed" : "finished";
    if (this.record.aborted) this.record.error = "aborted by the operator";
    else if (this.failures > limit)
      this.record.error = `${this.failures} host(s) failed; at most ${limit} tolerated`;
    this.record.finished_at = now();
    await this.save();
  }

  private async turn(address: string): Promise<void> {
    const started = Date.now();
    const lease = hostLeaseName(address);
    const resumedBoot = this.hostResult(address).boot_before;
    const { storage, holder } = this.ctx;
    this.record.in_process.push(address);
    await this.setPhase(address, "draining", { started_at: now() });
    const manager = this.cluster.container_manager;
    let error = "";
    let aborted = "";
    let detail = "";
    let cordoned = false;
    try {
      await this.acquireHostLease(lease);
      this.ctx.leases.add(lease);
      if (!resumedBoot) await this.checkpoint("");
      if (manager) {
        await this.container("cordon_node", manager, address);
        cordoned = true;
      }
      const creds = await storage.get(HostCreds, { address });
      const ex = await this.ctx.connector.open(this.ctx.targetFor(creds));
      try {
        const result = await runTurn(ex, {
          kind: this.kind,
          ...(this.record.version ? { version: this.record.version } : {}),
          verify: this.ctx.verify,
          rebootAfterPackageUpgrade: this.ctx.rebootAfterPackageUpgrade,
          ...(resumedBoot ? { bootBefore: resumedBoot } : {}),
          phase: (phase, extra) => this.setPhase(address, phase, extra, !!extra?.boot_before),
          checkpoint: (changed) => this.checkpoint(changed),
        });
        detail = result.detail;
      } finally {
        await ex.close();
      }
      if (manager) await this.container("uncordon_node", manager, address);
    } catch (err) {
      if (err instanceof TurnAborted) {
        aborted = err.message;
        // No reboot happened: the host serves as before, so it goes back into service.
        if (cordoned) await this.container("uncordon_node", manager, address).catch(() => {});
      } else error = (err as Error).message;
    } finally {
      this.ctx.leases.delete(lease);
      await storage.releaseLease(lease, holder).catch(() => false);
    }
    this.record.in_process = this.record.in_process.filter((a) => a !== address);
    const timing = { finished_at: now(), seconds: (Date.now() - started) / 1000 };
    if (aborted) {
      await this.setPhase(address, "aborted", { ...timing, error: aborted }, true);
    } else if (error) {
      this.failures++;
      this.ctx.logger.warn({ address, error }, `${this.kind} of a host failed`);
      await this.setPhase(address, "failed", { ...timing, error }, true);
    } else {
      this.done.push(address);
      await this.setPhase(address, "done", { ...timing, detail }, true);
    }
  }

  /**
   * The host's lease, waiting a while for another holder's to end: a process that died in this
   * host's turn (its lease expires within a TTL) or another service's brief work on the host.
   */
  private async acquireHostLease(lease: string): Promise<void> {
    const { storage, holder, leaseTtlSeconds } = this.ctx;
    const deadline = Date.now() + Math.max(2 * leaseTtlSeconds * 1000, 5000);
    for (;;) {
      try {
        return void (await storage.acquireLease(lease, holder, leaseTtlSeconds));
      } catch (err) {
        if (!(err instanceof StoragePreconditionError) || Date.now() > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // before asking again
    }
  }

  private async container(method: string, manager: string, address: string): Promise<void> {
    await this.ctx.bus.request(`container.${method}`, {
      container_manager_name: manager,
      address,
    });
  }
}
