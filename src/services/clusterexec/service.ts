/**
 * The clusterexec service: rolling upgrade, restart and deploy of a cluster's hosts
 * (jobs.clusterexec.*). The record is saved and returned at once; the work goes on under a
 * storage lease per cluster, so one operation runs per cluster, in one process; an operation
 * whose process died is taken over by another (or the same, restarted) without redoing done hosts.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { RemoteProcedureCallError, StoragePreconditionError } from "../../bus/errors.js";
import type { Cluster } from "../../models/index.js";
import { targetFromCreds } from "../../remote/credentials.js";
import type { RemoteConnector } from "../../remote/executor.js";
import { SshPool } from "../../remote/pool.js";
import { readRemoteSettings } from "../../remote/settings.js";
import { withParams } from "../../service/handler.js";
import type { Figure } from "../../service/health.js";
import type { QueueDeclaration, ServiceOptions } from "../../service/service.js";
import { CommissaireService } from "../../service/service.js";
import { StorageClient } from "../../storage/client.js";
import type { OperationKind } from "./host-turn.js";
import { readPolicy } from "./policy.js";
import { KINDS, now, type OperationRecord, operationLease } from "./records.js";
import { OperationRunner, type RunnerContext } from "./runner.js";
import { readVerifySettings } from "./settings.js";

export interface ClusterExecOptions extends ServiceOptions {
  /** The remote layer (an SshPool from configuration member `remote` by default). */
  connector?: RemoteConnector;
  targetFor?: RunnerContext["targetFor"];
}

const policyParams = {
  batches: z.union([z.array(z.union([z.number(), z.string()])), z.string(), z.number()]).optional(),
  max_failures: z.union([z.number(), z.string()]).optional(),
  mode: z.enum(["lockstep", "sliding"]).optional(),
};
// `name` is how the REST server (and the original's) names the cluster; `cluster_name` ours.
const clusterName = z.string().min(1).optional();
const onCluster = z.object({ cluster_name: clusterName, ...policyParams, name: clusterName });
const onDeploy = z.object({
  cluster_name: clusterName,
  version: z.string().min(1),
  ...policyParams,
  name: clusterName,
});
const onControl = z.object({
  cluster_name: z.string().min(1),
  operation: z.enum(["upgrade", "restart", "deploy"]).optional(),
});

export class ClusterExecService extends CommissaireService {
  readonly name = "clusterexec";
  readonly storage = new StorageClient(this.bus, { subscriber: this });
  readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly connector: RemoteConnector;
  /** The connector was opened here (not handed in): this service closes it at stop. */
  private readonly ownsConnector: boolean;
  private readonly ctx: RunnerContext;
  /** Operations this process runs now, by cluster. */
  readonly running = new Map<string, Promise<void>>();
  private readonly runners = new Map<string, OperationRunner>();

  /** Health and metrics: the operations this process is working through now. */
  override figures(): Record<string, Figure> {
    const help = "Cluster operations (upgrade, restart, deploy) running in this process";
    return { operations_running: { help, value: this.running.size } };
  }
  private readonly leaseTtl: number;

  constructor(options: ClusterExecOptions) {
    super(options);
    this.ownsConnector = !options.connector;
    this.connector =
      options.connector ?? new SshPool(readRemoteSettings(this.config.remote), this.logger);
    this.leaseTtl = Number(this.config.lease_ttl_seconds ?? 30);
    this.ctx = {
      storage: this.storage,
      bus: this.bus,
      connector: this.connector,
      targetFor: options.targetFor ?? ((creds) => targetFromCreds(creds)),
      logger: this.logger,
      holder: this.holder,
      leaseTtlSeconds: this.leaseTtl,
      verify: readVerifySettings(this.config),
      rebootAfterPackageUpgrade: this.config.reboot_after_package_upgrade === true,
      controlPollMs: Number(this.config.control_poll_ms ?? 1000),
      leases: new Set(),
      paused: new Set(),
    };
    const renewMs = (this.leaseTtl * 1000) / 3;
    this.every(renewMs, () => this.renewLeases());
    // Operations left in_process by a process that died: taken over once their lease expired.
    this.every(renewMs, () => this.adoptOrphans(), { immediate: true, jitterMs: renewMs / 5 });
  }

  override queues(): QueueDeclaration[] {
    return [{ name: "clusterexec", routingKeys: ["jobs.clusterexec.*"] }];
  }

  protected override async onStop(): Promise<void> {
    await Promise.allSettled(this.running.values());
    // A connector handed in belongs to the caller, who may share it with other services.
    if (this.ownsConnector) await this.connector.close();
  }

  /** True while the cluster's operation in this process waits on a pause. */
  isPaused(cluster: string): boolean {
    return this.ctx.paused.has(cluster);
  }

  private async renewLeases(): Promise<void> {
    for (const lease of this.ctx.leases) {
      await this.storage.renewLease(lease, this.holder, this.leaseTtl).catch((err: Error) => {
        this.logger.warn({ lease, err: err.message }, "lease not renewed");
      });
    }
  }

  on_upgrade = withParams(onCluster, (p, context) => this.begin("upgrade", p, context));
  on_restart = withParams(onCluster, (p, context) => this.begin("restart", p, context));
  on_deploy = withParams(onDeploy, (p, context) => this.begin("deploy", p, context));

  on_pause = withParams(onControl, (p) => this.control(p, "pause"));
  on_resume = withParams(onControl, (p) => this.control(p, ""));
  on_abort = withParams(onControl, (p) => this.control(p, "abort"));

  private async begin(
    kind: OperationKind,
    params: z.infer<typeof onCluster> & { version?: string },
    context: { respond(result: unknown): Promise<void> },
  ): Promise<unknown> {
    const name = params.cluster_name ?? params.name;
    if (!name)
      throw new RemoteProcedureCallError(
        -32602,
        "cluster_name: the cluster to work on is required",
      );
    const policy = readPolicy(this.config.rolling, params);
    const cluster = await this.storage.getCluster(name);
    const lease = operationLease(name);
    const busy = () =>
      new RemoteProcedureCallError(
        409,
        `an operation on cluster "${name}" is already running; pause, resume or abort it, or wait`,
      );
    // The lease says whether another process runs one; `running` whether this one does (a
    // holder's second acquire renews its own lease). An operation whose final status is being
    // written is over for whoever reads the record: a new one waits for its last steps (the
    // lease released) instead of being refused, and starts after them.
    const current = this.running.get(name);
    if (current && this.runners.get(name)?.finishing) await current;
    if (this.running.has(name)) throw busy();
    this.running.set(name, Promise.resolve());
    try {
      await this.storage.acquireLease(lease, this.holder, this.leaseTtl);
    } catch (err) {
      this.running.delete(name);
      throw err instanceof StoragePreconditionError ? busy() : err;
    }
    this.ctx.leases.add(lease);
    const { type, done } = KINDS[kind];
    const record = type.parse({
      name,
      status: "in_process",
      ...(params.version ? { version: params.version } : {}),
      [done]: [],
      in_process: [],
      started_at: now(),
      finished_at: "",
      hosts: {},
      skipped: [],
      policy,
      control: "",
      aborted: false,
      error: "",
    }) as OperationRecord;
    await this.storage.save(type, record);
    const answer = type.toJson(record);
    await context.respond(answer);
    this.launch(kind, record, cluster);
    return answer;
  }

  private launch(kind: OperationKind, record: OperationRecord, cluster: Cluster): void {
    const lease = operationLease(record.name);
    const policy = readPolicy(record.policy, {});
    const runner = new OperationRunner(this.ctx, kind, record, policy, cluster);
    this.runners.set(record.name, runner);
    const run = runner
      .run()
      .catch(async (err: Error) => {
        this.logger.error({ cluster: record.name, err: err.message }, `${kind} stopped`);
        record.status = "failed";
        record.error = err.message;
        record.finished_at = now();
        await runner.save().catch(() => undefined);
      })
      .finally(async () => {
        this.ctx.leases.delete(lease);
        this.running.delete(record.name);
        this.runners.delete(record.name);
        await this.storage.releaseLease(lease, this.holder).catch(() => false);
      });
    this.running.set(record.name, run);
  }

  /** Takes over in_process operations whose owner's lease is gone. */
  async adoptOrphans(): Promise<void> {
    for (const kind of Object.keys(KINDS) as OperationKind[]) {
      const { type } = KINDS[kind];
      for (const stored of (await this.storage.list(type)) as OperationRecord[]) {
        if (stored.status !== "in_process" || this.running.has(stored.name)) continue;
        const lease = operationLease(stored.name);
        try {
          await this.storage.acquireLease(lease, this.holder, this.leaseTtl);
        } catch {
          continue; // its owner is alive
        }
        this.ctx.leases.add(lease);
        // Read again under the lease: the owner may have finished it just before.
        const record = (await this.storage.get(type, { name: stored.name })) as OperationRecord;
        if (record.status !== "in_process") {
          this.ctx.leases.delete(lease);
          await this.storage.releaseLease(lease, this.holder);
          continue;
        }
        this.logger.info({ cluster: record.name, kind }, "resuming an operation left unfinished");
        const cluster = await this.storage.getCluster(record.name);
        this.launch(kind, record, cluster);
      }
    }
  }

  private async control(
    params: z.infer<typeof onControl>,
    control: "" | "pause" | "abort",
  ): Promise<unknown> {
    const kinds = params.operation ? [params.operation] : (Object.keys(KINDS) as OperationKind[]);
    for (const kind of kinds) {
      const { type } = KINDS[kind];
      const record = (await this.storage
        .get(type, { name: params.cluster_name })
        .catch(() => null)) as OperationRecord | null;
      if (record?.status !== "in_process") continue;
      record.control = control;
      const saved = await this.storage.save(type, record, { members: ["control"] as never[] });
      return type.toJson(saved);
    }
    throw new RemoteProcedureCallError(
      404,
      `no operation is running on cluster "${params.cluster_name}"`,
    );
  }
}
