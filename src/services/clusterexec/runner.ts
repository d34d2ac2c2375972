/**
 * Runs one operation to its end: hosts in batches by the rolling policy, each under its host
 * lease, cordoned around its turn when the cluster has a container manager; the record saved
 * after every change; pause and abort read from the record's `control` member between hosts.
 */

import type { Logger } from "../../base/logger.js";
import type { Bus } from "../../bus/bus.js";
import { Host, HostCreds } from "../../models/index.js";
import type { RemoteTarget } from "../../remote/credentials.js";
import type { RemoteConnector } from "../../remote/executor.js";
import type { StorageClient } from "../../storage/client.js";
import { hostLeaseName } from "../../storage/host-lease.js";
import { type HostPhase, type OperationKind, runTurn } from "./host-turn.js";
import { failureLimit, planBatches, type RollingPolicy } from "./policy.js";
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
  private saving: Promise<unknown> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly ctx: RunnerContext,
    readonly kind: OperationKind,
    readonly record: OperationRecord,
    private readonly policy: RollingPolicy,
    private readonly cluster: { hostset: string[]; container_manager: string },
  ) {}

  private get done(): string[] {
    return this.record[KINDS[this.kind].done] as string[];
  }

  private hostResult(address: string): HostResult {
    const r = this.record.hosts[address] as HostResult | undefined;
    return r ?? { phase: "waiting" };
  }

  /** Saves the progress members; saves are queued so they land in order. */
  save(): Promise<unknown> {
    const { type } = KINDS[this.kind];
    const snapshot = structuredClone(this.record);
    this.saving = this.saving
      .catch(() => undefined)
      .then(() =>
        this.ctx.storage.save(type, snapshot, { members: progressMembers(this.kind) as never[] }),
      );
    return this.saving;
  }

  private async setPhase(address: string, phase: HostPhase, extra: Partial<HostResult> = {}) {
    this.record.hosts[address] = { ...this.hostResult(address), ...extra, phase };
    await this.save();
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

  /** False once failures passed the limit or an abort was asked; waits while paused. */
  private async mayGoOn(limit: number): Promise<boolean> {
    for (;;) {
      if (this.failures > limit) return false;
      const { type } = KINDS[this.kind];
      const stored = (await this.ctx.storage.get(type, {
        name: this.record.name,
      })) as OperationRecord;
      this.record.control = stored.control;
      if (stored.control === "abort") {
        this.ctx.paused.delete(this.record.name);
        this.record.aborted = true;
        return false;
      }
      if (stored.control !== "pause") {
        this.ctx.paused.delete(this.record.name);
        return true;
      }
      this.ctx.paused.add(this.record.name);
      await new Promise((resolve) => setTimeout(resolve, this.ctx.controlPollMs));
    }
  }

  private async finish(limit: number): Promise<void> {
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
    const { storage, holder, leaseTtlSeconds } = this.ctx;
    this.record.in_process.push(address);
    await this.setPhase(address, "draining", { started_at: now() });
    const manager = this.cluster.container_manager;
    let error = "";
    let detail = "";
    try {
      await storage.acquireLease(lease, holder, leaseTtlSeconds);
      this.ctx.leases.add(lease);
      if (manager) await this.container("cordon_node", manager, address);
      const creds = await storage.get(HostCreds, { address });
      const ex = await this.ctx.connector.open(this.ctx.targetFor(creds));
      try {
        const result = await runTurn(ex, {
          kind: this.kind,
          ...(this.record.version ? { version: this.record.version } : {}),
          verify: this.ctx.verify,
          rebootAfterPackageUpgrade: this.ctx.rebootAfterPackageUpgrade,
          ...(resumedBoot ? { bootBefore: resumedBoot } : {}),
          phase: (phase, extra) => this.setPhase(address, phase, extra),
        });
        detail = result.detail;
      } finally {
        await ex.close();
      }
      if (manager) await this.container("uncordon_node", manager, address);
    } catch (err) {
      error = (err as Error).message;
    } finally {
      this.ctx.leases.delete(lease);
      await storage.releaseLease(lease, holder).catch(() => false);
    }
    this.record.in_process = this.record.in_process.filter((a) => a !== address);
    const timing = { finished_at: now(), seconds: (Date.now() - started) / 1000 };
    if (error) {
      this.failures++;
      this.ctx.logger.warn({ address, error }, `${this.kind} of a host failed`);
      await this.setPhase(address, "failed", { ...timing, error });
    } else {
      this.done.push(address);
      await this.setPhase(address, "done", { ...timing, detail });
    }
  }

  private async container(method: string, manager: string, address: string): Promise<void> {
    await this.ctx.bus.request(`container.${method}`, {
      container_manager_name: manager,
      address,
    });
  }
}
